import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { CellError } from '@cell/protocol';
import type { Contract } from '@cell/contract';

/** How long evaluating one contract module may take. */
export const CONTRACT_EVAL_TIMEOUT_MS = 15_000;
/** Largest answer a module's evaluation may give. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

// Runs in the child: imports each module given on the command line, in turn, and writes one JSON
// line per module to fd 3 (away from whatever the modules print): the contracts it exports.
const EVALUATE = `
import { writeSync } from 'node:fs';
const isContract = (v) => v !== null && typeof v === 'object' && typeof v.name === 'string' && typeof v.version === 'string' && typeof v.methods === 'object' && typeof v.events === 'object';
for (const url of process.argv.slice(1)) {
  const exported = await import(url);
  const contracts = Object.values(exported).filter(isContract).map(({ name, version, description, methods, events }) => ({ name, version, description, methods, events }));
  writeSync(3, JSON.stringify(contracts) + '\\n');
}
`;

/** A contract module to read: its bundle, and the cell it belongs to (for messages). */
export interface ContractModule {
  bundle: string;
  cell: string;
}

function failed(cell: string, why: string): CellError {
  return new CellError('CELL_E_BUILD_FAILED', `evaluating the contract of ${cell} ${why}`, { details: { cell } });
}

/**
 * The contracts each bundled contract module exports, read in child processes: the modules are
 * user code, so `process.exit()`, an endless loop or a crash in one cannot take the CLI or the
 * nucleus down — it fails the build of that cell (CELL_E_BUILD_FAILED) within `timeoutMs`. All
 * modules are read by one child; after one that kills it, the rest are read by a new one.
 */
export async function contractsOfMany(modules: readonly ContractModule[], timeoutMs = CONTRACT_EVAL_TIMEOUT_MS): Promise<Array<Contract[] | CellError>> {
  const results: Array<Contract[] | CellError> = [];
  while (results.length < modules.length) {
    const rest = modules.slice(results.length);
    const { read, failure } = await evaluate(rest, timeoutMs);
    results.push(...read);
    // The module being read when the child died is the culprit; the ones after it get a new child.
    if (failure) results.push(failure);
  }
  return results;
}

/** The contracts of one bundled contract module (see `contractsOfMany`). */
export async function contractsOf(bundle: string, cell: string, timeoutMs = CONTRACT_EVAL_TIMEOUT_MS): Promise<Contract[]> {
  const [result] = await contractsOfMany([{ bundle, cell }], timeoutMs);
  if (result instanceof CellError) throw result;
  return result!;
}

/** One child reading `modules` in order until it finishes, dies or stalls on one. */
function evaluate(modules: readonly ContractModule[], timeoutMs: number): Promise<{ read: Contract[][]; failure: CellError | undefined }> {
  return new Promise((resolve) => {
    const urls = modules.map((m) => `${pathToFileURL(m.bundle).href}?v=${Date.now()}`);
    const child = spawn(process.execPath, ['--input-type=module', '-e', EVALUATE, ...urls], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const read: Contract[][] = [];
    let pending = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    // The timeout is per module: it restarts whenever one is read.
    let timer = setTimeout(() => kill(), timeoutMs);
    const kill = () => {
      timedOut = true;
      child.kill('SIGKILL');
    };
    const finish = (failure: CellError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ read, failure });
    };
    child.stdio[3]!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      if (pending.length > MAX_ANSWER_BYTES) child.kill('SIGKILL');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        read.push(JSON.parse(pending.slice(0, nl)) as Contract[]);
        pending = pending.slice(nl + 1);
        clearTimeout(timer);
        timer = setTimeout(() => kill(), timeoutMs);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', (err) => finish(failed(modules[read.length]?.cell ?? '?', `could not start: ${err.message}`)));
    child.once('close', (code) => {
      if (read.length >= modules.length) return finish(undefined);
      const cell = modules[read.length]!.cell;
      if (timedOut) return finish(failed(cell, `took longer than ${timeoutMs} ms (a contract module must not run anything at load)`));
      const reason = stderr.split('\n').find((l) => /Error|error:/.test(l))?.trim();
      finish(failed(cell, `failed: the module exited (code ${code}) without exporting its contracts${reason ? `: ${reason}` : ''}`));
    });
  });
}
