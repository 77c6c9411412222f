import { connect, createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTeardown, waitFor } from '../test-fixtures/temp-cells.ts';
import { ActivationDoor, descriptorOf, listeningSockets } from './activation-door.ts';
import { allocatePorts } from './port-allocation.ts';

const defer = useTeardown();

/** Sends `text` on a new connection to `port` and resolves what comes back before the close (or the error code). */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.end(text));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
  });
}

/** An echo server standing for the process: it answers "<tag>:<what it got>". */
async function echo(tag: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.on('data', (d: Buffer) => s.end(`${tag}:${d.toString()}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  defer(() => new Promise((r) => server.close(r)));
  return { server, port: (server.address() as { port: number }).port };
}

describe('ActivationDoor', () => {
  it('starts the process on the first connection, holds the others meanwhile, and stops it when idle', async () => {
    const ports = (await allocatePorts('lazy', [{ name: 'http', port: 0 }], 1))[0]!;
    let starts = 0;
    let stops = 0;
    let release!: () => void;
    const door = await ActivationDoor.open({
      replica: 'lazy-0',
      ports,
      idleTimeoutMs: 100,
      start: async () => {
        starts++;
        await new Promise<void>((r) => (release = r));
        return [(await echo(`run${starts}`)).port];
      },
      stopIdle: () => void stops++,
    });
    defer(() => door.close());
    const answers = Promise.all([exchange(ports[0]!.port, 'a'), exchange(ports[0]!.port, 'b')]);
    await waitFor('the start', () => starts === 1);
    release();
    expect((await answers).sort()).toEqual(['run1:a', 'run1:b']);
    expect(starts).toBe(1);
    await waitFor('the idle stop', () => stops === 1, 5000);
    door.processGone();
    const next = exchange(ports[0]!.port, 'c');
    await waitFor('the second start', () => starts === 2);
    release();
    expect(await next).toBe('run2:c');
  });

  it('drops the connections of a start that failed; the next connection tries again', async () => {
    const ports = (await allocatePorts('lazy', [{ name: 'http', port: 0 }], 1))[0]!;
    let attempt = 0;
    const door = await ActivationDoor.open({
      replica: 'lazy-0',
      ports,
      idleTimeoutMs: undefined,
      start: async () => {
        if (++attempt === 1) throw new Error('missing executable');
        return [(await echo('ok')).port];
      },
      stopIdle: () => undefined,
    });
    defer(() => door.close());
    expect(await exchange(ports[0]!.port, 'x')).toBe('');
    expect(await exchange(ports[0]!.port, 'y')).toBe('ok:y');
  });

  it('gives listening sockets with descriptors a child can take over', async () => {
    const [server] = await listeningSockets(1);
    defer(() => new Promise((r) => server!.close(r)));
    expect(descriptorOf(server!)).toBeGreaterThan(2);
  });
});
