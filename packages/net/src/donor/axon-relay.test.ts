import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { connect, defineContract, type Membrane, serve, serverStream, Type, unary } from '@cell/sdk';
import { connectAxon } from '@cell/wire';
import { loadOrCreateIdentity, type NodeIdentity } from '../identity.ts';
import { credentialsOf, memoryLogger, quietLogger, tempDir, waitFor } from '../test-support/fixtures.ts';
import { type AxonRelay, type AxonRelayOptions, startAxonRelay } from './axon-relay.ts';

const relayedContract = defineContract({
  name: 'relayed',
  version: '1.0.0',
  methods: {
    sqrt: unary({
      input: Type.Object({ n: Type.Number() }),
      output: Type.Object({ root: Type.Number(), callerNode: Type.Union([Type.String(), Type.Null()]) }),
      errors: { Negative: Type.Object({ n: Type.Number() }) },
    }),
    echo: unary({ input: Type.String(), output: Type.String() }),
    chunks: serverStream({ input: Type.Object({ count: Type.Integer(), bytes: Type.Integer() }), output: Type.String() }),
  },
});

// The cell that crashes mid-call runs in its own process, serving this contract (the same text is its source).
const HANG_CONTRACT = `defineContract({ name: 'hanger', version: '1.0.0', methods: { hang: unary({ input: Type.Object({}), output: Type.Null() }) } })`;
const hangContract = defineContract({ name: 'hanger', version: '1.0.0', methods: { hang: unary({ input: Type.Object({}), output: Type.Null() }) } });
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Rejects when `promise` takes longer than `ms` (every wait in these tests is bounded). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('startAxonRelay', () => {
  const dir = tempDir('cell-relay-');
  const teardown: Array<() => unknown> = [];
  let donor: NodeIdentity;
  let caller: NodeIdentity;
  let stranger: NodeIdentity;
  let cells = 0;
  afterAll(() => dir.remove());
  afterEach(async () => {
    for (const undo of teardown.splice(0).reverse()) await undo();
  });
  beforeAll(async () => {
    const home = (n: string) => loadOrCreateIdentity(join(dir.path, n));
    [donor, caller, stranger] = await Promise.all([home('donor'), home('caller'), home('stranger')]);
  });

  const socketPath = () => join(dir.path, `cell-${++cells}.sock`);

  async function relayTo(target: string, options: Partial<AxonRelayOptions> = {}): Promise<AxonRelay> {
    const relay = await startAxonRelay({ host: '127.0.0.1', port: 0, credentials: credentialsOf(donor), allowedKeys: [caller.publicKey], target, log: quietLogger, ...options });
    teardown.push(() => relay.close());
    return relay;
  }

  async function serveRelayed(path: string): Promise<Membrane<typeof relayedContract>> {
    const membrane = await serve(
      relayedContract,
      {
        sqrt: ({ n }, ctx) => {
          if (n < 0) throw ctx.fail('Negative', { n }, 'no real square root');
          return { root: Math.sqrt(n), callerNode: ctx.caller.node ?? null };
        },
        echo: (s) => s,
        *chunks({ count, bytes }) {
          for (let i = 0; i < count; i++) yield String.fromCharCode(97 + (i % 26)).repeat(bytes);
        },
      },
      { socketPath: path, logger: quietLogger },
    );
    teardown.push(() => membrane.stop({ graceMs: 0 }));
    return membrane;
  }

  function client<C extends typeof relayedContract | typeof hangContract>(contract: C, relay: AxonRelay, who: NodeIdentity = caller) {
    const synapse = connect(contract, {
      axon: { host: '127.0.0.1', port: relay.port, key: donor.peerId },
      credentials: credentialsOf(who),
      connectTimeoutMs: 3000,
      timeoutMs: 10_000,
      logger: quietLogger,
    });
    teardown.push(() => synapse.$close());
    return synapse;
  }

  /** A raw TLS connection to the relay, and everything it receives until it closes. */
  async function rawAxon(relay: AxonRelay, who: NodeIdentity = caller): Promise<{ socket: TLSSocket; received: () => Buffer; closed: Promise<void> }> {
    const socket = await connectAxon({ host: '127.0.0.1', port: relay.port, key: donor.publicKey }, credentialsOf(who), 3000);
    teardown.push(() => socket.destroy());
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    const closed = once(socket, 'close').then(() => undefined);
    return { socket, received: () => Buffer.concat(chunks), closed };
  }

  /** A plain Unix echo server: the relay must not care what the bytes are. */
  async function echoServer(path: string): Promise<Server> {
    const server = createServer((s: Socket) => s.pipe(s));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    teardown.push(() => new Promise((resolve) => server.close(resolve)));
    return server;
  }

  it('lets a node call a real cell through it: typed results and declared errors, the cell seeing a local caller', async () => {
    const path = socketPath();
    await serveRelayed(path);
    const relay = await relayTo(path);
    const synapse = client(relayedContract, relay);

    const result = await synapse.sqrt({ n: 9 });
    expectTypeOf(result).toEqualTypeOf<{ root: number; callerNode: string | null }>();
    // The relay terminates TLS: the cell cannot tell which node called (the relay checked the key).
    expect(result).toEqual({ root: 3, callerNode: null });
    const failed = await synapse.sqrt.try({ n: -4 });
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatchObject({ code: 'Negative', details: { n: -4 } });
    expect(relay.connections).toBe(1);

    await synapse.$close();
    await waitFor(() => (relay.connections === 0 ? true : undefined), 'the pair to close', 5000);
  });

  it('carries 8 MiB each way in one call, and 8 MiB streamed in 32 chunks, intact', async () => {
    const path = socketPath();
    await serveRelayed(path);
    const relay = await relayTo(path, { allowedKeys: 'any' });
    const synapse = client(relayedContract, relay);

    const big = Array.from({ length: 8 * 1024 }, (_, i) => (i % 997).toString(36).padEnd(1024, '.')).join('');
    expect(big.length).toBe(8 * 1024 * 1024);
    expect(sha256(await synapse.echo(big))).toBe(sha256(big));

    let streamed = 0;
    for await (const chunk of synapse.chunks({ count: 32, bytes: 256 * 1024 })) {
      expect(chunk).toBe(String.fromCharCode(97 + (streamed++ % 26)).repeat(256 * 1024));
    }
    expect(streamed).toBe(32);
  });

  it('passes bytes sent before the Unix connect completes, and is no protocol parser', async () => {
    const path = socketPath();
    await echoServer(path);
    const relay = await relayTo(path);
    const { socket, received } = await rawAxon(relay);
    socket.write('sent at once');
    await waitFor(() => (received().toString() === 'sent at once' ? true : undefined), 'the echo', 5000);
  });

  it('refuses a key it does not allow with CELL_E_DENIED, warns once per key, and keeps serving allowed ones', async () => {
    const path = socketPath();
    await serveRelayed(path);
    const { log, lines } = memoryLogger();
    const relay = await relayTo(path, { log });

    for (let i = 0; i < 2; i++) {
      const outsider = client(relayedContract, relay, stranger);
      await expect(outsider.sqrt({ n: 4 })).rejects.toMatchObject({ code: 'CELL_E_DENIED' });
      await outsider.$close();
    }
    const raw = await rawAxon(relay, stranger);
    await within(raw.closed, 3000, 'the refused connection to close');

    const refusals = lines().filter((l) => l['msg'] === 'refused a node whose key is not allowed');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 'warn', component: 'net.axon-relay', peer: stranger.peerId });
    await expect(client(relayedContract, relay).sqrt({ n: 16 })).resolves.toMatchObject({ root: 4 });
  });

  it('closes the caller at once while the cell is unreachable, and serves it once it exists', async () => {
    const path = socketPath();
    const { log, lines } = memoryLogger();
    const relay = await relayTo(path, { log });

    for (let i = 0; i < 2; i++) {
      const raw = await rawAxon(relay);
      raw.socket.write('hello?');
      await within(raw.closed, 2000, 'the caller to be closed');
      expect(raw.received().length).toBe(0);
    }
    await waitFor(() => (relay.connections === 0 ? true : undefined), 'the failed pairs to close', 5000);
    // One line per outage, not one per caller.
    expect(lines().filter((l) => l['msg'] === 'cannot reach the cell behind the relay')).toHaveLength(1);

    await serveRelayed(path);
    await expect(client(relayedContract, relay).sqrt({ n: 25 })).resolves.toMatchObject({ root: 5 });
  });

  it('refuses connections over maxConnections with CELL_E_OVERLOADED', async () => {
    const path = socketPath();
    await echoServer(path);
    const relay = await relayTo(path, { maxConnections: 1 });
    const first = await rawAxon(relay);
    first.socket.write('x');
    await waitFor(() => (first.received().length === 1 ? true : undefined), 'the first pair', 5000);
    const second = await rawAxon(relay);
    await within(second.closed, 3000, 'the connection over the limit to close');
    expect(second.received().toString('latin1')).toContain('CELL_E_OVERLOADED');
    expect(relay.connections).toBe(1);
  });

  it('close() with open pairs and a handshake under way resolves promptly and leaves no connection', async () => {
    const path = socketPath();
    await echoServer(path);
    const relay = await startAxonRelay({ host: '127.0.0.1', port: 0, credentials: credentialsOf(donor), allowedKeys: 'any', target: path });
    teardown.push(() => relay.close());
    const raws = await Promise.all([caller, stranger, caller].map((who) => rawAxon(relay, who)));
    for (const r of raws) r.socket.write('ping');
    await waitFor(() => (raws.every((r) => r.received().length === 4) ? true : undefined), 'every pair to echo', 5000);
    expect(relay.connections).toBe(3);
    // A TCP connection that never starts TLS would hold server.close() for the handshake timeout.
    const silent = tcpConnect(relay.port, '127.0.0.1');
    silent.on('error', () => undefined);
    teardown.push(() => silent.destroy());
    await once(silent, 'connect');

    await within(relay.close(), 2000, 'close()');
    expect(relay.connections).toBe(0);
    await within(Promise.all(raws.map((r) => r.closed)), 2000, 'the callers to be closed');
    await expect(within(relay.close(), 100, 'a second close()')).resolves.toBeUndefined();
  });

  it('fails a call in flight with CELL_E_UNAVAILABLE, before its deadline, when the cell dies', async () => {
    const path = socketPath();
    const script = `import { defineContract, serve, Type, unary } from '@cell/sdk';
      await serve(${HANG_CONTRACT}, { hang: () => { console.log('called'); return new Promise(() => {}); } }, { socketPath: ${JSON.stringify(path)} });
      console.log('ready');`;
    const cell = spawn(process.execPath, ['--conditions=cell-source', '--input-type=module', '-e', script], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(cell, 'exit');
    teardown.push(async () => {
      if (cell.exitCode === null && cell.signalCode === null) cell.kill('SIGKILL');
      await exited;
    });
    const said = (word: string) => new Promise<void>((resolve) => cell.stdout.on('data', (d: Buffer) => d.toString().includes(word) && resolve()));
    const ready = said('ready');
    const called = said('called');
    await within(ready, 15_000, 'the cell to listen');
    const relay = await relayTo(path);

    const started = Date.now();
    const call = client(hangContract, relay).hang({}, { timeoutMs: 8000 });
    call.catch(() => undefined);
    await within(called, 5000, 'the call to reach the cell');
    cell.kill('SIGKILL');
    await expect(call).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(8000);
    await waitFor(() => (relay.connections === 0 ? true : undefined), 'the pair to close', 5000);
  });
});
