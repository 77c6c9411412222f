import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type ConnectionLimits, DEFAULT_LIMITS, MIN_FRAME_BYTES, MIN_WINDOW_BYTES } from './limits.ts';

const protocolDoc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

describe('DEFAULT_LIMITS', () => {
  it('is one frozen table that nobody can change at run time', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
    expect(() => {
      (DEFAULT_LIMITS as { maxFrameBytes: number }).maxFrameBytes = 1;
    }).toThrow(TypeError);
    expect(DEFAULT_LIMITS.maxFrameBytes).toBe(16 * 1024 * 1024);
  });

  it('holds the defaults docs/protocol.md documents', () => {
    const MiB = 1024 * 1024;
    const documented: Array<[actual: number, expected: number, phrase: RegExp]> = [
      [DEFAULT_LIMITS.maxFrameBytes, 16 * MiB, /`maxFrameBytes` \(default 16 MiB\)/],
      [DEFAULT_LIMITS.frameTimeoutMs, 30_000, /`frameTimeoutMs` \(default 30 s\)/],
      [DEFAULT_LIMITS.handshakeTimeoutMs, 10_000, /handshake\s+timeout \(default 10 s\)/],
      [DEFAULT_LIMITS.streamWindowBytes, 1024 * 1024, /`windowBytes`, default 1 MiB/],
      [DEFAULT_LIMITS.maxStreamWindowBytes, 16 * MiB, /up to\s+`maxStreamWindowBytes` \(default 16 MiB/],
      [DEFAULT_LIMITS.maxWriteBacklogBytes, 4 * MiB, /more than 4 MiB of replies/],
      [DEFAULT_LIMITS.maxInFlightPerConnection, 4096, /beyond 4096 calls in flight/],
    ];
    for (const [actual, expected, phrase] of documented) {
      expect(protocolDoc).toMatch(phrase);
      expect(actual, String(phrase)).toBe(expected);
    }
  });

  it('never defaults below what a peer may announce, and every limit is a positive integer', () => {
    expect(DEFAULT_LIMITS.maxFrameBytes).toBeGreaterThanOrEqual(MIN_FRAME_BYTES);
    expect(DEFAULT_LIMITS.streamWindowBytes).toBeGreaterThanOrEqual(MIN_WINDOW_BYTES);
    for (const [key, value] of Object.entries(DEFAULT_LIMITS)) expect(Number.isInteger(value) && value > 0, key).toBe(true);
  });

  it('types the limits serve and connect accept as plain, writable numbers', () => {
    expectTypeOf<ConnectionLimits>().toEqualTypeOf<{
      maxFrameBytes: number;
      frameTimeoutMs: number;
      handshakeTimeoutMs: number;
      maxWriteBacklogBytes: number;
      streamWindowBytes: number;
      maxStreamWindowBytes: number;
      maxInFlightPerConnection: number;
      maxConnections: number;
      callTimeoutMs: number;
      connectTimeoutMs: number;
    }>();
    const mine: ConnectionLimits = { ...DEFAULT_LIMITS };
    mine.maxFrameBytes = MIN_FRAME_BYTES;
    expect(mine.maxFrameBytes).toBe(1024);
  });
});
