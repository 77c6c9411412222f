import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { defineContract, unary } from '@cell/contract';
import { serve, type Membrane } from './membrane.ts';
import { connect, connectDynamic } from './synapse.ts';
import { tempDir } from './test-fixtures/harness.ts';

const Text = Type.Object({ text: Type.String() });
const v1 = defineContract({ name: 'notes', version: '1.0.0', methods: { echo: unary({ input: Text, output: Text }) } });
/** The same cell a release later: a method added, so another fingerprint, still compatible with v1's callers. */
const v2 = defineContract({ name: 'notes', version: '1.1.0', methods: { echo: unary({ input: Text, output: Text }), count: unary({ input: Type.Object({}), output: Type.Integer() }) } });

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function socketPath(): string {
  const tmp = tempDir('cell-early-');
  cleanups.push(tmp.remove);
  return join(tmp.dir, 'notes.sock');
}

/** Serves `contract` at `path`, counting the echo calls it runs. */
async function notes(contract: typeof v1 | typeof v2, path: string, ran: { echo: number }): Promise<Membrane> {
  const echo = ({ text }: { text: string }) => (ran.echo++, { text });
  return contract === v1 ? serve(v1, { echo }, { socketPath: path }) : serve(v2, { echo, count: () => ran.echo }, { socketPath: path });
}

/**
 * notes@1.0.0 served at a fresh path and called once through `reach` (so this process remembers
 * its HELLO there), then replaced by notes@1.1.0 at the same path.
 */
async function upgradedAfter(reach: (path: string) => Promise<void>): Promise<{ path: string; ran: { echo: number } }> {
  const path = socketPath();
  const ran = { echo: 0 };
  const old = await notes(v1, path, ran);
  await reach(path);
  await old.stop({ graceMs: 0 });
  const upgraded = await notes(v2, path, ran);
  cleanups.push(() => upgraded.stop({ graceMs: 0 }));
  return { path, ran };
}

/** One typed echo call on a synapse of its own, closed after. */
async function echoOnce(path: string): Promise<void> {
  const first = connect(v1, { socketPath: path });
  expect(await first.echo({ text: 'a' })).toEqual({ text: 'a' });
  await first.$close();
}

describe('calls sent with the handshake, against real membranes', () => {
  it('a typed caller whose cell was upgraded behind the same socket: its early call is not run, then runs once after the genome check', async () => {
    const { path, ran } = await upgradedAfter(echoOnce);
    const second = connect(v1, { socketPath: path });
    cleanups.push(() => second.$close());
    expect(await second.echo({ text: 'b' })).toEqual({ text: 'b' });
    expect(ran.echo).toBe(2); // 'a' and 'b', each once
    expect((await second.$connect()).version).toBe('1.1.0');
  });

  it('a stream or $connect() as the first use after an upgrade waits for the HELLO and opens again after the genome check', async () => {
    const { path } = await upgradedAfter(echoOnce);
    const second = connect(v1, { socketPath: path });
    cleanups.push(() => second.$close());
    expect((await second.$connect()).version).toBe('1.1.0');
    expect(await second.echo({ text: 'b' })).toEqual({ text: 'b' });
  });

  it('a caller refused at the handshake (over the connection limit) is told so by its early call', async () => {
    const path = socketPath();
    const ran = { echo: 0 };
    const membrane = await notes(v1, path, ran);
    cleanups.push(() => membrane.stop({ graceMs: 0 }));
    const holder = connect(v1, { socketPath: path });
    cleanups.push(() => holder.$close());
    await holder.echo({ text: 'remembered' });
    await membrane.stop({ graceMs: 0 });
    const limited = await serve(v1, { echo: (x) => x }, { socketPath: path, maxConnections: 1 });
    cleanups.push(() => limited.stop({ graceMs: 0 }));
    const one = connect(v1, { socketPath: path });
    cleanups.push(() => one.$close());
    await one.echo({ text: 'takes the only connection' });
    const two = connect(v1, { socketPath: path });
    cleanups.push(() => two.$close());
    await expect(two.echo({ text: 'too many' })).rejects.toMatchObject({ code: 'CELL_E_OVERLOADED' });
  });

  it('a dynamic caller of an upgraded cell runs its early call once and goes on', async () => {
    const { path, ran } = await upgradedAfter(async (at) => {
      const first = connectDynamic({ socketPath: at });
      await first.call('echo', { text: 'a' });
      await first.$close();
    });
    const second = connectDynamic({ socketPath: path });
    cleanups.push(() => second.$close());
    expect(await second.call('echo', { text: 'b' })).toEqual({ text: 'b' });
    expect(ran.echo).toBe(2);
  });
});
