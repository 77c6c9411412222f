import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { CellError } from '@cell/protocol';
import type { Contract } from '@cell/contract';

/** How long evaluating a contract module may take. */
export const CONTRACT_EVAL_TIMEOUT_MS = 15_000;
/** Largest answer a contract module's evaluation may give. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

// Runs in the child: imports the module and writes the contracts it exports (as JSON) to fd 3,
// away from whatever the module itself prints on stdout.
const EVALUATE = `
import { writeSync } from 'node:fs';
const exported = await import(process.argv[1]);
const isContract = (v) => v !== null && typeof v === 'object' && typeof v.name === 'string' && typeof v.version === 'string' && typeof v.methods === 'object' && typeof v.events === 'object';
const contracts = Object.values(exported).filter(isContract).map(({ name, version, description, methods, events }) => ({ name, version, description, methods, events }));
writeSync(3, JSON.stringify(contracts));
`;

/**
 * The contracts a bundled contract module exports, read in a child process of its own: the
 * module is user code, so `process.exit()`, an endless loop or a crash in it cannot take the
 * CLI or the nucleus down — it fails the build of that cell (CELL_E_BUILD_FAILED), within
 * `timeoutMs`.
 */
export function contractsOf(bundle: string, cell: string, timeoutMs = CONTRACT_EVAL_TIMEOUT_MS): Promise<Contract[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', EVALUATE, `${pathToFileURL(bundle).href}?v=${Date.now()}`], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const failed = (why: string) => new CellError('CELL_E_BUILD_FAILED', `evaluating the contract of ${cell} ${why}`, { details: { cell } });
    let answer = '';
    let stderr = '';
    child.stdio[3]!.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.length > MAX_ANSWER_BYTES) child.kill('SIGKILL');
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(failed(`could not start: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return reject(failed(`took longer than ${timeoutMs} ms (a contract module must not run anything at load)`));
      let contracts: unknown;
      try {
        contracts = JSON.parse(answer);
      } catch {
        const reason = stderr.split('\n').find((l) => /Error|error:/.test(l))?.trim();
        return reject(failed(`failed: the module exited (code ${code}) without exporting its contracts${reason ? `: ${reason}` : ''}`));
      }
      resolve(contracts as Contract[]);
    });
  });
}
