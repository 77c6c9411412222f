import { MethodStats } from '../membrane/method-stats.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { systemClock } from '../clock.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { silentLogger } from '../logger.ts';
import { MembraneSession } from '../membrane/membrane-session.ts';
import type { MethodEntry, Validator } from '../membrane/method-entry.ts';
import type { SessionHost } from '../membrane/session-host.ts';
import { listenUnix } from '../transport/unix-transport.ts';

const anything: Validator = { check: () => true, issues: () => [] };

/** A unary method for tests: any input, the handler's result as output. */
export function unaryMethod(name: string, handler: (input: unknown) => unknown): MethodEntry {
  return { name, kind: 'unary', handler: (input) => handler(input), input: anything, output: anything, errors: new Map(), streamsIn: false, streamsOut: false, stats: new MethodStats() };
}

export interface TestMembrane {
  socketPath: string;
  sessions: Set<MembraneSession>;
  close(): Promise<void>;
}

/**
 * A membrane built from the wire layer alone (no SDK): serves `methods` on a Unix socket in a
 * temporary directory, as a cell named `name` with the given fingerprint.
 */
export async function startTestMembrane(methods: MethodEntry[], identity = { name: 'test', version: '1.0.0', fingerprint: 'sha256:test' }): Promise<TestMembrane> {
  const dir = mkdtempSync(join(tmpdir(), 'cell-wire-'));
  const socketPath = join(dir, 'test.sock');
  const sessions = new Set<MembraneSession>();
  const host: SessionHost = {
    identity,
    genome: { genome: 1, ...identity, methods: {}, events: {} },
    replica: `${identity.name}-0`,
    methods: new Map(methods.map((m) => [m.name, m])),
    events: new Map(),
    log: silentLogger,
    limits: { ...DEFAULT_LIMITS },
    validateOutput: true,
    clock: systemClock,
    isAllowed: () => true,
    createContext: () => ({}),
    callStarted: () => undefined,
    callEnded: () => undefined,
    sessionClosed: (s) => sessions.delete(s as MembraneSession),
  };
  const server: Server = await listenUnix(socketPath, (socket) => sessions.add(new MembraneSession(socket, host)), { borrowedReads: true });
  return {
    socketPath,
    sessions,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) s.close(new CellError('CELL_E_UNAVAILABLE', 'test over'));
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
