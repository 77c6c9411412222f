// Starts the two cells as separate processes, calls the teller, prints what happened, stops both.
// Run with: npm start -w examples/hello-pair   (or: node examples/hello-pair/run.ts)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@cell/sdk';
import { tellerContract } from './cells/teller/src/contract.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const runDir = mkdtempSync(join(tmpdir(), 'hello-pair-'));
const sockets = { accounts: join(runDir, 'accounts.sock'), teller: join(runDir, 'teller.sock') };
const children: ChildProcess[] = [];

function start(cell: 'accounts' | 'teller'): void {
  const env = { ...process.env, CELL_NAME: cell, CELL_SOCKET: sockets[cell], ACCOUNTS_SOCKET: sockets.accounts, CELL_LOG_LEVEL: 'warn' };
  children.push(spawn(process.execPath, ['--conditions=cell-source', join(here, 'cells', cell, 'src', 'main.ts')], { env, stdio: 'inherit' }));
}

async function until(path: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 25));
  if (!existsSync(path)) throw new Error(`${path} did not appear`);
}

try {
  start('accounts');
  await until(sockets.accounts);
  start('teller');
  await until(sockets.teller);
  const teller = connect(tellerContract, { socketPath: sockets.teller });
  for (const [account, cents] of [['alice', 1200], ['bob', 1000], ['carol', 5]] as const) {
    const r = await teller.pay.try({ account, cents });
    if (r.ok) console.log(`pay ${account} ${cents}: paid ${r.value.paid}, ${r.value.left} left`);
    else if (r.error.code === 'Declined') console.log(`pay ${account} ${cents}: declined (${r.error.details.reason}${r.error.details.shortBy ? `, short by ${r.error.details.shortBy}` : ''})`);
    else console.log(`pay ${account} ${cents}: ${r.error.code} ${r.error.message}`);
  }
  await teller.$close();
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(runDir, { recursive: true, force: true });
}
