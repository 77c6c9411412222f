import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hasLoopbackHost, isLoopback, originOf, sameSecret } from './http-guard.ts';

const withHost = (host: string | undefined) => ({ headers: { host } }) as unknown as IncomingMessage;

describe('http guard', () => {
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.0.0.2', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].map(isLoopback)).toEqual([false, false, false, false]);
  });

  it('accepts loopback host names in a Host header, with or without a port, and nothing else', () => {
    for (const h of ['localhost:9465', '127.0.0.1', '[::1]:9465', 'LOCALHOST:1']) expect(hasLoopbackHost(withHost(h)), h).toBe(true);
    for (const h of ['evil.example:9465', '127.0.0.1.evil.example', '', undefined, 'localhost:abc']) expect(hasLoopbackHost(withHost(h)), String(h)).toBe(false);
  });

  it('compares secrets of any length without throwing', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abd', 'abc')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
  });

  it('writes an origin with brackets around an IPv6 host', () => {
    expect(originOf({ host: '127.0.0.1', port: 80 })).toBe('http://127.0.0.1:80');
    expect(originOf({ host: '::1', port: 9465 })).toBe('http://[::1]:9465');
  });
});
