import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { conditionFlags } from './test-fixtures/node-child.ts';
import { startEcho, type EchoHarness } from './test-fixtures/harness.ts';

const NOBODY = 65534;
const SDK_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

let h: EchoHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Calls `echo` on the socket as another user, through the SDK; resolves with what it printed: `ok` or the error code. */
function callAs(uid: number, socketPath: string): Promise<string> {
  const script = `
    import { connectDynamic } from '@cell/sdk';
    const c = connectDynamic({ socketPath: ${JSON.stringify(socketPath)}, connectTimeoutMs: 5000 });
    try { await c.call('echo', { text: 'hi' }, { timeoutMs: 5000 }); console.log('ok'); }
    catch (err) { console.log(err.code ?? err.message); }
    await c.$close();`;
  const child = spawn(process.execPath, [...conditionFlags(), '--input-type=module', '-e', script], { cwd: SDK_DIR, uid, gid: uid, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the caller did not finish within 20 s'));
    }, 20_000);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
}

describe.skipIf(process.getuid?.() !== 0)('a local caller of another user', () => {
  it('is refused with CELL_E_DENIED even when file modes let it connect; the same user is still served', async () => {
    h = await startEcho();
    // A lax umask, or a chmod: the socket's own mode no longer keeps other users out.
    chmodSync(dirname(h.socketPath), 0o755);
    chmodSync(h.socketPath, 0o666);
    expect(await callAs(NOBODY, h.socketPath)).toBe('CELL_E_DENIED');
    expect(h.membrane.connections).toBe(0);
    expect(await h.client().echo({ text: 'still here' })).toEqual({ text: 'still here' });
  });

  it('is refused by every connection it tries, not only the first', async () => {
    h = await startEcho();
    chmodSync(dirname(h.socketPath), 0o755);
    chmodSync(h.socketPath, 0o666);
    const outcomes = await Promise.all([callAs(NOBODY, h.socketPath), callAs(NOBODY, h.socketPath)]);
    expect(outcomes).toEqual(['CELL_E_DENIED', 'CELL_E_DENIED']);
  });
});
