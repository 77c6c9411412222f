import { describe, expect, it } from 'vitest';
import { parseServerHello } from '../connection/handshake.ts';
import { HelloCache } from './hello-cache.ts';

const hello = (fields: Record<string, unknown> = {}) =>
  parseServerHello({ v: 1, role: 'server', name: 'stock', version: '1.0.0', fingerprint: 'sha256:abc', maxFrameBytes: 65_536, windowBytes: 4096, early: true, ...fields });

describe('HelloCache', () => {
  it('recalls what an endpoint said last, only when it takes calls with the handshake', () => {
    const cache = new HelloCache();
    cache.remember('a', hello(), 0.5);
    cache.remember('b', hello({ early: false }), 0.5);
    expect(cache.recall('a')).toMatchObject({ hello: { name: 'stock' }, handshakeMs: 0.5 });
    expect(cache.recall('b')).toBeUndefined();
    cache.forget('a');
    expect(cache.recall('a')).toBeUndefined();
  });

  it('forgets the endpoint remembered longest ago once full; the same HELLO again changes nothing', () => {
    const cache = new HelloCache(2);
    const first = hello();
    cache.remember('a', first, 1);
    cache.remember('b', hello(), 1);
    cache.remember('a', first, 2); // the same HELLO: kept as it was, where it was
    expect(cache.recall('a')?.handshakeMs).toBe(1);
    cache.remember('c', hello(), 1);
    expect(cache.recall('a')).toBeUndefined();
    expect(cache.size).toBe(2);
    cache.remember('b', hello({ pid: 7 }), 3); // a new HELLO: b becomes the newest
    cache.remember('d', hello(), 1);
    expect(cache.recall('c')).toBeUndefined();
    expect(cache.recall('b')).toMatchObject({ hello: { pid: 7 }, handshakeMs: 3 });
  });
});
