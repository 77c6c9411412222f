// A cell that tries what a hostile cell would, and reports what the capsid let it do. Its handlers
// never throw for a refused attempt: they return the errno, so tests assert on codes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from 'typebox';
import { defineContract, unary } from '@cell/contract';
import { bundleIfChanged } from '../../ribosome/bundle.ts';

const Attempt = Type.Object({ ok: Type.Boolean(), code: Type.Optional(Type.String()), text: Type.Optional(Type.String()) });
const Empty = Type.Object({});

/** The probe cell's contract (the test's synapse is typed from it). */
export const probeContract = defineContract({
  name: 'probe',
  version: '1.0.0',
  methods: {
    whoami: unary({ input: Empty, output: Type.Object({ pid: Type.Integer(), uid: Type.Integer(), hostname: Type.String(), home: Type.String(), cwd: Type.String() }) }),
    echo: unary({ input: Type.Object({ text: Type.String() }), output: Type.Object({ text: Type.String() }) }),
    read: unary({ input: Type.Object({ path: Type.String() }), output: Attempt }),
    write: unary({ input: Type.Object({ path: Type.String() }), output: Attempt }),
    connectTcp: unary({ input: Type.Object({ host: Type.String(), port: Type.Integer() }), output: Attempt }),
    spawnMany: unary({ input: Type.Object({ count: Type.Integer() }), output: Type.Object({ started: Type.Integer(), code: Type.Optional(Type.String()) }) }),
    allocate: unary({ input: Type.Object({ mb: Type.Integer() }), output: Type.Object({ mb: Type.Integer() }) }),
    forkBomb: unary({ input: Empty, output: Attempt }),
  },
});

const CONTRACT = `import { defineContract, Type, unary } from '@cell/sdk';
const Attempt = Type.Object({ ok: Type.Boolean(), code: Type.Optional(Type.String()), text: Type.Optional(Type.String()) });
const Empty = Type.Object({});
export const probeContract = defineContract({
  name: 'probe',
  version: '1.0.0',
  methods: {
    whoami: unary({ input: Empty, output: Type.Object({ pid: Type.Integer(), uid: Type.Integer(), hostname: Type.String(), home: Type.String(), cwd: Type.String() }) }),
    echo: unary({ input: Type.Object({ text: Type.String() }), output: Type.Object({ text: Type.String() }) }),
    read: unary({ input: Type.Object({ path: Type.String() }), output: Attempt }),
    write: unary({ input: Type.Object({ path: Type.String() }), output: Attempt }),
    connectTcp: unary({ input: Type.Object({ host: Type.String(), port: Type.Integer() }), output: Attempt }),
    spawnMany: unary({ input: Type.Object({ count: Type.Integer() }), output: Type.Object({ started: Type.Integer(), code: Type.Optional(Type.String()) }) }),
    allocate: unary({ input: Type.Object({ mb: Type.Integer() }), output: Type.Object({ mb: Type.Integer() }) }),
    forkBomb: unary({ input: Empty, output: Attempt }),
  },
});
`;

const MAIN = `import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { connect } from 'node:net';
import { serve } from '@cell/sdk';
import { probeContract } from './contract.ts';

const attempt = async (fn) => {
  try {
    const text = await fn();
    return { ok: true, text: String(text ?? '').slice(0, 200) };
  } catch (err) {
    return { ok: false, code: err.code ?? err.message };
  }
};
const held = [];

await serve(probeContract, {
  whoami: () => ({ pid: process.pid, uid: process.getuid(), hostname: hostname(), home: process.env.HOME ?? '', cwd: process.cwd() }),
  echo: ({ text }) => ({ text }),
  read: ({ path }) => attempt(() => (statSync(path).isDirectory() ? readdirSync(path).join(',') : readFileSync(path, 'utf8'))),
  write: ({ path }) => attempt(() => writeFileSync(path, 'written by a capsid')),
  connectTcp: ({ host, port }) =>
    attempt(
      () =>
        new Promise((resolve, reject) => {
          const socket = connect({ host, port });
          const timer = setTimeout(() => { socket.destroy(); reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })); }, 5000);
          socket.once('connect', () => { clearTimeout(timer); socket.destroy(); resolve('connected'); });
          socket.once('error', (err) => { clearTimeout(timer); reject(err); });
        }),
    ),
  spawnMany: async ({ count }) => {
    const children = [];
    let code;
    for (let i = 0; i < count && code === undefined; i++) {
      const child = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
      code = await new Promise((resolve) => {
        child.once('spawn', () => resolve(undefined));
        child.once('error', (err) => resolve(err.code ?? err.message));
      });
      if (code === undefined) children.push(child);
    }
    for (const child of children) child.kill('SIGKILL');
    return { started: children.length, code };
  },
  forkBomb: () => attempt(() => {
    spawn('/bin/sh', ['-c', 'b() { b | b & }; b'], { detached: true, stdio: 'ignore' }).on('error', () => undefined);
  }),
  allocate: ({ mb }) => {
    for (let i = 0; i < mb; i++) held.push(Buffer.alloc(2 ** 20, 1));
    return { mb: held.length };
  },
});
`;

/** Writes the probe cell into `dir` and bundles it (SDK included) into `dir/.cell/build/main.mjs`. */
export async function writeProbeCell(dir: string): Promise<void> {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'contract.ts'), CONTRACT);
  writeFileSync(join(dir, 'src', 'main.ts'), MAIN);
  await bundleIfChanged({ cell: 'probe', dir, entry: 'src/main.ts', outFile: join(dir, '.cell', 'build', 'main.mjs') });
}
