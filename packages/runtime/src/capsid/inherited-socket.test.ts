import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { InheritedSocket } from './inherited-socket.ts';

const defer = useTeardown();
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** A child that serves on descriptor 3 with the wire's `listenUnixFd`, answering its pid. */
function serveOnInheritedFd(fd: number): ChildProcess {
  const script = `import { listenUnixFd } from '@cell/wire';
await listenUnixFd(3, (s) => s.end(String(process.pid)));
console.log('listening');`;
  const child = spawn(process.execPath, ['--conditions=cell-source', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit', fd] });
  defer(() => child.kill('SIGKILL'));
  return child;
}

function ask(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = connect(path);
    s.on('data', (d: Buffer) => (text += String(d)));
    s.once('end', () => resolve(text));
    s.once('error', reject);
  });
}

describe('InheritedSocket', () => {
  it('is served by the child that inherited it, never by this process, at the staged path and then the public one', async () => {
    const dir = tempDir(defer);
    const socket = await InheritedSocket.bind(join(dir, 'run', 'cell-0.sock'));
    defer(() => socket.remove());
    const child = serveOnInheritedFd(socket.fd);
    socket.releaseOwnCopy();
    await new Promise((r) => child.stdout!.once('data', r));
    expect(statSync(socket.stagedPath).mode & 0o777).toBe(0o600);
    expect(existsSync(socket.publicPath)).toBe(false);
    expect(await ask(socket.stagedPath)).toBe(String(child.pid));
    socket.publish();
    expect(socket.isPublished).toBe(true);
    expect(existsSync(socket.stagedPath)).toBe(false);
    for (let i = 0; i < 5; i++) expect(await ask(socket.publicPath)).toBe(String(child.pid));
  });

  it('leaves a newer generation\'s socket at the public path when removed', async () => {
    const dir = tempDir(defer);
    const path = join(dir, 'cell-0.sock');
    const old = await InheritedSocket.bind(path);
    const oldChild = serveOnInheritedFd(old.fd);
    old.releaseOwnCopy();
    old.publish();
    const next = await InheritedSocket.bind(path);
    defer(() => next.remove());
    const nextChild = serveOnInheritedFd(next.fd);
    next.releaseOwnCopy();
    await new Promise((r) => nextChild.stdout!.once('data', r));
    next.publish();
    expect(old.isPublished).toBe(false);
    old.remove();
    oldChild.kill('SIGKILL');
    expect(await ask(path)).toBe(String(nextChild.pid));
  });

  it('removes its file even when no child ever took it', async () => {
    const dir = tempDir(defer);
    const socket = await InheritedSocket.bind(join(dir, 'cell-0.sock'));
    socket.remove();
    expect(existsSync(join(dir, 'cell-0.sock'))).toBe(false);
    expect(existsSync(socket.stagedPath)).toBe(false);
  });

  it('refuses a socket path over 107 bytes before binding anything', async () => {
    const dir = tempDir(defer);
    await expect(InheritedSocket.bind(join(dir, 'x'.repeat(120)))).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
  });
});
