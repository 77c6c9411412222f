import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity, type NodeIdentity } from '@cell/net';
import { connect, defineContract, type Membrane, serve, Type, unary } from '@cell/sdk';
import { type AxonCredentials, loadAxonCredentials } from '@cell/wire';

const counter = defineContract({
  name: 'counter',
  version: '1.0.0',
  methods: { bump: unary({ input: Type.Object({}), output: Type.Integer() }) },
});

/**
 * A TCP man in the middle: forwards both ways, records what the client sent, and can alter one
 * byte of either direction at a given offset.
 */
function middleman(targetPort: number, tamper?: { direction: 'up' | 'down'; offset: number }): Promise<{ port: number; recorded: Buffer[]; server: Server }> {
  const recorded: Buffer[] = [];
  const server = createServer((client: Socket) => {
    const upstream = netConnect(targetPort, '127.0.0.1');
    let up = 0;
    let down = 0;
    const alter = (chunk: Buffer, seen: number, direction: 'up' | 'down'): Buffer => {
      if (!tamper || tamper.direction !== direction || tamper.offset < seen || tamper.offset >= seen + chunk.length) return chunk;
      const copy = Buffer.from(chunk);
      copy[tamper.offset - seen] = copy[tamper.offset - seen]! ^ 0x01;
      return copy;
    };
    client.on('data', (chunk: Buffer) => {
      recorded.push(Buffer.from(chunk));
      upstream.write(alter(chunk, up, 'up'));
      up += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      client.write(alter(chunk, down, 'down'));
      down += chunk.length;
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, recorded, server })));
}

describe('axon handshakes (TLS 1.3 with pinned Ed25519 keys, over loopback)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cell-axon-'));
  let server: NodeIdentity;
  let client: NodeIdentity;
  let stranger: NodeIdentity;
  let creds: (id: NodeIdentity) => AxonCredentials;
  let membrane: Membrane<typeof counter>;
  let bumps = 0;

  beforeAll(async () => {
    [server, client, stranger] = (await Promise.all(['s', 'c', 'x'].map((n) => loadOrCreateIdentity(join(dir, n))))) as [NodeIdentity, NodeIdentity, NodeIdentity];
    creds = (id) => loadAxonCredentials(id.file)!;
    membrane = await serve(counter, { bump: () => ++bumps }, {
      socketPath: join(dir, 'counter.sock'),
      axon: { host: '127.0.0.1', port: 0, credentials: creds(server), allowedKeys: [client.peerId] },
    });
  });
  afterAll(async () => {
    await membrane.stop({ graceMs: 100 });
    rmSync(dir, { recursive: true, force: true });
  });

  const callThrough = async (port: number, as: NodeIdentity, key = server.peerId) => {
    const synapse = connect(counter, { axon: { host: '127.0.0.1', port, key }, credentials: creds(as), connectTimeoutMs: 3000, timeoutMs: 3000 });
    try {
      return await synapse.bump.try({});
    } finally {
      await synapse.$close();
    }
  };

  it('lets an allowed node call, and tells the cell who called', async () => {
    const r = await callThrough(membrane.axonPort!, client);
    expect(r.ok).toBe(true);
  });

  it('refuses a node that is not allowed with CELL_E_DENIED, before the handler', async () => {
    const before = bumps;
    const r = await callThrough(membrane.axonPort!, stranger);
    expect(r.error?.code).toBe('CELL_E_DENIED');
    expect(bumps).toBe(before);
  });

  it('refuses a server that does not hold the pinned key', async () => {
    const r = await callThrough(membrane.axonPort!, client, stranger.peerId);
    expect(r.error?.code).toBe('CELL_E_DENIED');
  });

  it('a replayed handshake (and call) does nothing', async () => {
    const mitm = await middleman(membrane.axonPort!);
    expect((await callThrough(mitm.port, client)).ok).toBe(true);
    const before = bumps;
    const replay = Buffer.concat(mitm.recorded);
    const outcome = await new Promise<string>((resolve) => {
      const s = netConnect(membrane.axonPort!, '127.0.0.1', () => s.write(replay));
      let received = 0;
      s.on('data', (d: Buffer) => (received += d.length));
      s.on('close', () => resolve(`closed after ${received} bytes`));
      s.on('error', () => undefined);
      setTimeout(() => {
        s.destroy();
        resolve('timeout');
      }, 3000).unref();
    });
    mitm.server.close();
    expect(outcome).toMatch(/^closed/);
    expect(bumps).toBe(before);
  });

  it.each([
    ['a byte of the client hello', { direction: 'up' as const, offset: 60 }],
    ['a byte of the client certificate proof', { direction: 'up' as const, offset: 700 }],
    ['a byte of the server hello', { direction: 'down' as const, offset: 80 }],
  ])('a tampered handshake (%s) fails and runs no handler', async (_what, tamper) => {
    const mitm = await middleman(membrane.axonPort!, tamper);
    const before = bumps;
    const r = await callThrough(mitm.port, client);
    mitm.server.close();
    expect(r.ok).toBe(false);
    expect(['CELL_E_UNAVAILABLE', 'CELL_E_DENIED', 'CELL_E_PROTOCOL']).toContain(r.error?.code);
    expect(bumps).toBe(before);
  });
});
