import type { Server } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { systemClock } from '../clock.ts';
import { silentLogger } from '../logger.ts';
import { MembraneSession } from '../membrane/membrane-session.ts';
import { makeAxonCredentials } from '../test-support/axon-credentials.ts';
import { fakeHost, type FakeHost } from '../test-support/fake-host.ts';
import { testConnectionConfig } from '../test-support/connection-config.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { waitUntil } from '../test-support/raw-peer.ts';
import { startTestMembrane, type TestMembrane, unaryMethod } from '../test-support/test-membrane.ts';
import { listenAxon } from '../transport/axon-transport.ts';
import { listenUnix } from '../transport/unix-transport.ts';
import type { Endpoint } from './candidates.ts';
import { AXON_LIVENESS_MS, type OpenOptions, openCandidate } from './open-candidate.ts';
import type { SynapseConnection } from './synapse-connection.ts';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function options(overrides: Partial<OpenOptions> = {}): OpenOptions {
  return {
    connectTimeoutMs: 5000,
    connection: testConnectionConfig('caller'),
    log: silentLogger,
    clock: systemClock,
    trackLatency: false,
    early: false,
    onEvent: () => undefined,
    check: async () => undefined,
    credentials: () => undefined,
    isClosed: () => false,
    ...overrides,
  };
}

async function membrane(): Promise<TestMembrane> {
  const m = await startTestMembrane([unaryMethod('echo', (input) => input)]);
  closers.push(() => m.close());
  return m;
}

function keep(conn: SynapseConnection): SynapseConnection {
  closers.push(() => conn.close(new CellError('CELL_E_CLOSED', 'test over')));
  return conn;
}

const failure = (p: Promise<SynapseConnection>) =>
  p.then(
    (c) => {
      keep(c);
      return undefined;
    },
    (e: unknown) => e as CellError<string>,
  );

describe('openCandidate', () => {
  it('connects and handshakes to a local replica', async () => {
    const m = await membrane();
    const conn = keep(await openCandidate({ kind: 'unix', path: m.socketPath }, options()));
    expect(conn.remote.name).toBe('test');
    expect(conn.remoteNode).toBeUndefined();
    expect(conn.latency).toBeUndefined();
    expect(await conn.unary('echo', 'hi', {}, 5000)).toBe('hi');
  });

  it('closes a connection to a cell that fails the check, and says why', async () => {
    const m = await membrane();
    const mismatch = new CellError('CELL_E_SCHEMA_MISMATCH', 'incompatible');
    let checked: SynapseConnection | undefined;
    const error = await failure(
      openCandidate(
        { kind: 'unix', path: m.socketPath },
        options({
          check: async (c) => {
            checked = c;
            throw mismatch;
          },
        }),
      ),
    );
    expect(error).toBe(mismatch);
    expect(checked?.isOpen).toBe(false);
    await waitUntil(() => m.sessions.size === 0, 'the membrane to see the close');
  });

  it('closes the new connection with CELL_E_CLOSED when its owner closed meanwhile', async () => {
    const m = await membrane();
    const error = await failure(openCandidate({ kind: 'unix', path: m.socketPath }, options({ isClosed: () => true })));
    expect(error?.code).toBe('CELL_E_CLOSED');
    await waitUntil(() => m.sessions.size === 0, 'the membrane to see the close');
  });

  it('fails with CELL_E_UNAVAILABLE where nothing listens, and for another node without an identity', async () => {
    expect((await failure(openCandidate({ kind: 'unix', path: '/nonexistent/cell.sock' }, options())))?.code).toBe('CELL_E_UNAVAILABLE');
    const axon: Endpoint = { kind: 'axon', host: '127.0.0.1', port: 1, key: undefined, node: undefined };
    expect((await failure(openCandidate(axon, options())))?.code).toBe('CELL_E_UNAVAILABLE');
  });

  it('bounds the handshake by the connect timeout', async () => {
    const m = await membrane();
    const silent: Server = await listenUnix(`${m.socketPath}.silent`, () => undefined); // accepts, never answers
    closers.push(() => silent.close());
    const clock = new ManualClock();
    let settled = false;
    const outcome = failure(openCandidate({ kind: 'unix', path: `${m.socketPath}.silent` }, options({ clock, connectTimeoutMs: 1000 }))).finally(() => (settled = true));
    await waitUntil(() => clock.pending > 0, 'the handshake to start');
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    clock.advance(1);
    expect((await outcome)?.code).toBe('CELL_E_UNAVAILABLE');
  });

  it('reaches a cell on another node over an axon pinned to its key, and watches that connection for liveness', async () => {
    const serverId = makeAxonCredentials();
    const clientId = makeAxonCredentials();
    const host: FakeHost = fakeHost([unaryMethod('echo', (input) => input)], { allow: (key) => key.equals(clientId.publicKey) });
    const sessions: MembraneSession[] = [];
    const { server, port } = await listenAxon('127.0.0.1', 0, serverId, (socket, key) => {
      sessions.push(new MembraneSession(socket, host, { key, address: `${socket.remoteAddress}:${socket.remotePort}`, localAddress: '127.0.0.1' }));
    });
    closers.push(() => (server as TlsServer).close());
    closers.push(() => sessions.forEach((s) => s.close(new CellError('CELL_E_UNAVAILABLE', 'test over'))));
    const clock = new ManualClock();
    const endpoint: Endpoint = { kind: 'axon', host: '127.0.0.1', port, key: serverId.publicKey, node: serverId.peerId };
    const conn = keep(await openCandidate(endpoint, options({ clock, credentials: () => clientId, trackLatency: true })));
    expect(conn.remoteNode).toBe(serverId.peerId);
    expect(conn.latency).toBeDefined();
    expect(await conn.unary('echo', 'over the axon', {}, 5000)).toBe('over the axon');
    expect(sessions[0]?.caller.node).toBe(clientId.peerId);
    expect(clock.pending).toBeGreaterThan(0); // the liveness timer of an axon connection
    expect(AXON_LIVENESS_MS).toBeGreaterThan(0);
  });
});
