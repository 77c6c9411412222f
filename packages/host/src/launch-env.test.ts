import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAUNCH_ENV_KEYS, launchEnv, readLaunchEnv } from './launch-env.ts';

const docs = readFileSync(new URL('../../../docs/launch-env.md', import.meta.url), 'utf8');
const documented = new Set([...docs.matchAll(/^\| `(CELL_[A-Z_]+)` \|/gm)].map((m) => m[1]!));

describe('launch environment', () => {
  it('is documented in docs/launch-env.md, every variable and nothing else', () => {
    expect([...documented].sort()).toEqual([...LAUNCH_ENV_KEYS].sort());
  });

  it('reads back what the nucleus writes', () => {
    const written = launchEnv({
      name: 'orders',
      replica: 'orders-1',
      socket: '/t/run/orders-1.sock',
      deps: { payments: { name: 'payments', dir: '/t/payments' }, stock: { name: 'stock', axon: 'axon://10.0.0.1:7700', major: 2 } },
      graceMs: 5000,
      idleTimeoutMs: 60_000,
      nucleusSocket: '/t/run/nucleus.sock',
      network: true,
      identityFile: '/home/u/.cell/identity.json',
      axon: { host: '0.0.0.0', port: 0, allowedKeys: 'any' },
      cgroupProcs: ['/sys/fs/cgroup/a/cgroup.procs', '/sys/fs/cgroup/b/cgroup.procs'],
      logLevel: 'debug',
    });
    expect(Object.keys(written).every((k) => LAUNCH_ENV_KEYS.includes(k))).toBe(true);
    const read = readLaunchEnv(written);
    expect(read).toMatchObject({
      name: 'orders',
      replica: 'orders-1',
      deps: { stock: { major: 2 } },
      graceMs: 5000,
      idleTimeoutMs: 60_000,
      network: true,
      axon: { host: '0.0.0.0', port: 0, allowedKeys: 'any' },
      cgroupProcs: ['/sys/fs/cgroup/a/cgroup.procs', '/sys/fs/cgroup/b/cgroup.procs'],
      logLevel: 'debug',
    });
    expect(readLaunchEnv(launchEnv({ axon: { host: 'h', port: 7, allowedKeys: ['k1', 'k2'] } })).axon).toEqual({ host: 'h', port: 7, allowedKeys: ['k1', 'k2'] });
  });

  it('carries when a cell gives memory back, 0 for never', () => {
    expect(readLaunchEnv(launchEnv({ memoryTrimMs: 2000 })).memoryTrimMs).toBe(2000);
    expect(readLaunchEnv(launchEnv({ memoryTrimMs: 0 })).memoryTrimMs).toBe(0);
    expect(readLaunchEnv({}).memoryTrimMs).toBeUndefined();
    expect(() => readLaunchEnv({ CELL_MEMORY_TRIM_MS: '5s' })).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });

  it('counts calls unless told not to', () => {
    expect(readLaunchEnv({}).callStats).toBe(true);
    expect(launchEnv({ callStats: true })).toEqual({});
    expect(launchEnv({ callStats: false })).toEqual({ CELL_CALL_STATS: '0' });
    expect(readLaunchEnv(launchEnv({ callStats: false })).callStats).toBe(false);
  });

  it('carries an inherited listening socket as a file descriptor number (a capsid\'s)', () => {
    expect(readLaunchEnv(launchEnv({ socket: '/t/run/a-0.sock', socketFd: 3 }))).toMatchObject({ socket: '/t/run/a-0.sock', socketFd: 3 });
    expect(readLaunchEnv({}).socketFd).toBeUndefined();
    expect(() => readLaunchEnv({ CELL_SOCKET_FD: 'three' })).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });

  it('is empty for a process started by hand, and ignores unrelated variables', () => {
    expect(readLaunchEnv({ PATH: '/bin', CELL_HOME: '/x' })).toMatchObject({ name: undefined, deps: {}, network: false, axon: undefined, cgroupProcs: [] });
  });

  it('names every malformed variable instead of guessing', () => {
    const bad = () => readLaunchEnv({ CELL_NAME: 'Not A Name', CELL_GRACE_MS: 'soon', CELL_LOG_LEVEL: 'verbose' });
    expect(bad).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    try {
      bad();
    } catch (err) {
      const problems = (err as { details: { problems: string[] } }).details.problems.join('\n');
      for (const v of ['CELL_NAME', 'CELL_GRACE_MS', 'CELL_LOG_LEVEL']) expect(problems).toContain(v);
    }
    expect(() => readLaunchEnv({ CELL_DEPS: '{not json' })).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    expect(() => readLaunchEnv({ CELL_DEPS: '{"a":{"dir":"/x"}}' })).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });
});
