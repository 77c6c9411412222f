import { describe, expect, it } from 'vitest';
import { isCellError } from '@cell/protocol';
import { MAX_TIMER_MS } from '@cell/wire';
import { checkConnectOptions, checkServeOptions, streamWindows } from './options.ts';

/** The options a refusal names (the path before each problem's colon), from the error's details. */
function named(check: () => void): string[] {
  try {
    check();
  } catch (err) {
    if (!isCellError(err) || err.code !== 'CELL_E_INVALID_ARGUMENT') throw err;
    const problems = (err.details as { problems?: string[] } | undefined)?.problems;
    if (!problems) return ['(options)'];
    const paths = new Set(problems.map((p) => p.slice(0, p.indexOf(':'))));
    // A nested option is named by its full path; its parent's "must be undefined" adds nothing.
    return [...paths].filter((p) => ![...paths].some((q) => q.startsWith(`${p}.`))).sort();
  }
  return [];
}

describe('connect() options', () => {
  it('accepts none, every option, and undefined for any of them', () => {
    expect(named(() => checkConnectOptions({}))).toEqual([]);
    const all = {
      socketPath: '/run/x.sock',
      axon: { host: '10.0.0.1', port: 7700, key: '12D3KooW' },
      credentials: { any: 'collaborator' },
      cell: 'stock',
      name: 'stock',
      startOnDemand: false,
      timeoutMs: MAX_TIMER_MS,
      connectTimeoutMs: 0.5,
      maxFrameBytes: 1024,
      frameTimeoutMs: 1,
      streamWindowBytes: 0xffff_ffff,
      maxStreamWindowBytes: 0xffff_ffff,
      caller: { cell: 'shop', replica: 'shop-0' },
      logger: {},
    };
    expect(named(() => checkConnectOptions(all))).toEqual([]);
    expect(named(() => checkConnectOptions(Object.fromEntries(Object.keys(all).map((k) => [k, undefined]))))).toEqual([]);
  });

  it('names every bad option at once', () => {
    const bad = { timeoutMs: 0, connectTimeoutMs: -1, maxFrameBytes: 1023, frameTimeoutMs: Number.NaN, streamWindowBytes: 2 ** 32, maxStreamWindowBytes: 512, startOnDemand: 'yes', cell: '', caller: { cell: 5 } };
    expect(named(() => checkConnectOptions(bad))).toEqual(['caller.cell', 'cell', 'connectTimeoutMs', 'frameTimeoutMs', 'maxFrameBytes', 'maxStreamWindowBytes', 'startOnDemand', 'streamWindowBytes', 'timeoutMs']);
  });

  it('refuses unknown options by name (a typo never passes silently)', () => {
    expect(named(() => checkConnectOptions({ sockPath: '/x.sock', timeoutMS: 10, socketPath: '/x.sock' }))).toEqual(['sockPath', 'timeoutMS']);
  });

  it('names the bad field of an axon address', () => {
    expect(named(() => checkConnectOptions({ axon: { host: '', port: 0 } }))).toEqual(['axon.host', 'axon.port']);
    expect(named(() => checkConnectOptions({ axon: { host: 'h', port: 65_536 } }))).toEqual(['axon.port']);
  });

  it('refuses deadlines a timer cannot hold, or that are not positive', () => {
    for (const timeoutMs of [0, -5, MAX_TIMER_MS + 1, Number.POSITIVE_INFINITY, Number.NaN, '100']) {
      expect(named(() => checkConnectOptions({ timeoutMs })), String(timeoutMs)).toEqual(['timeoutMs']);
    }
  });

  it('refuses options that are not an object', () => {
    for (const options of [undefined, null, 'x', 5, []]) expect(named(() => checkConnectOptions(options)), String(options)).toEqual(['(options)']);
  });
});

describe('how far a stream window grows', () => {
  it('from 1 MiB to 16 MiB by default; to maxStreamWindowBytes when given; not at all when only streamWindowBytes is (a fixed window)', () => {
    const MiB = 1 << 20;
    expect(streamWindows({})).toEqual({ start: MiB, max: 16 * MiB });
    expect(streamWindows({ maxStreamWindowBytes: 4 * MiB })).toEqual({ start: MiB, max: 4 * MiB });
    expect(streamWindows({ streamWindowBytes: 64 << 10 })).toEqual({ start: 64 << 10, max: 64 << 10 });
    expect(streamWindows({ streamWindowBytes: 64 << 10, maxStreamWindowBytes: MiB })).toEqual({ start: 64 << 10, max: MiB });
    // A limit under the default start is the start too; under a start set with it, the window stays fixed there.
    expect(streamWindows({ maxStreamWindowBytes: 4096 })).toEqual({ start: 4096, max: 4096 });
    expect(streamWindows({ streamWindowBytes: 2 * MiB, maxStreamWindowBytes: MiB })).toEqual({ start: 2 * MiB, max: 2 * MiB });
  });
});

describe('serve() options', () => {
  it('accepts every option', () => {
    const all = {
      socketPath: '/run/x.sock',
      replica: 'x-0',
      logger: {},
      maxFrameBytes: 1 << 20,
      frameTimeoutMs: 1000,
      handshakeTimeoutMs: 1000,
      maxConnections: 1,
      maxInFlightPerConnection: 1,
      maxWriteBacklogBytes: 1024,
      streamWindowBytes: 1024,
      maxStreamWindowBytes: 4096,
      validateOutput: false,
      axon: { host: '0.0.0.0', credentials: {}, allowedKeys: 'any' },
    };
    expect(named(() => checkServeOptions(all))).toEqual([]);
  });

  it('names every bad option at once, unknown ones included', () => {
    const bad = { replica: '', handshakeTimeoutMs: 0, maxConnections: 0, maxInFlightPerConnection: 1.5, maxWriteBacklogBytes: 10, validateOutput: 1, socket: '/x.sock', timeoutMs: 100 };
    expect(named(() => checkServeOptions(bad))).toEqual(['handshakeTimeoutMs', 'maxConnections', 'maxInFlightPerConnection', 'maxWriteBacklogBytes', 'replica', 'socket', 'timeoutMs', 'validateOutput']);
  });
});
