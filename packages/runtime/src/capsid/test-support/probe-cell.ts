// A cell that tries what a hostile cell would, and reports what the capsid let it do. Its handlers
// never throw for a refused attempt: they return the errno, so tests assert on codes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleIfChanged } from '../../ribosome/bundle.ts';

export { probeContract } from './probe-contract.ts';

/** The probe cell's contract module: this one, bundled into the cell. */
const CONTRACT = `export { probeContract } from ${JSON.stringify(fileURLToPath(new URL('./probe-contract.ts', import.meta.url)))};\n`;

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
