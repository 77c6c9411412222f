import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLocalPeerAllowed, peerCredentials } from './peer-credentials.ts';

const credentials = peerCredentials();

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A Unix socket anyone may connect to (a lax umask's), resolving each accepted socket's peer uid. */
async function uidServer(reader = credentials): Promise<{ path: string; next: () => Promise<number | undefined> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cell-peer-'));
  chmodSync(dir, 0o755);
  const path = join(dir, 's.sock');
  const waiting: Array<(uid: number | undefined) => void> = [];
  const server: Server = createServer((s: Socket) => {
    waiting.shift()?.(reader.uidOf(s));
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  chmodSync(path, 0o666);
  cleanups.push(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

describe('peerCredentials', () => {
  it('is available on Linux with the runtime installed, through the native module beside koffi', () => {
    expect(credentials.unavailable).toBeUndefined();
    expect(credentials.via).toBe('native');
  });

  it("falls back to koffi's own loader when no native module of its version lies beside it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cell-koffi-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'koffi', version: '0.0.0-elsewhere' }));
    writeFileSync(join(dir, 'index.cjs'), `module.exports = require(${JSON.stringify(createRequire(import.meta.url).resolve('koffi'))});\n`);
    const wrapped = peerCredentials(join(dir, 'index.cjs'));
    expect(wrapped).toMatchObject({ unavailable: undefined, via: 'package' });
    const server = await uidServer(wrapped);
    const uid = server.next();
    const client = connect(server.path).on('error', () => undefined);
    cleanups.push(() => client.destroy());
    expect(await uid).toBe(process.getuid?.());
  });

  it('says why when koffi cannot be loaded, and reads nothing', () => {
    const missing = peerCredentials('/nonexistent/koffi');
    expect(missing.unavailable).toMatch(/^koffi cannot be loaded from \/nonexistent\/koffi \(/);
    expect(missing.uidOf({ _handle: { fd: 0 } } as unknown as Socket)).toBeUndefined();
  });

  it('reads the uid of a caller of the same user', async () => {
    const server = await uidServer();
    const uid = server.next();
    const client = connect(server.path).on('error', () => undefined);
    cleanups.push(() => client.destroy());
    expect(await uid).toBe(process.getuid?.());
  });

  it.skipIf(!isRoot)("reads another user's uid (a process run as nobody)", async () => {
    const server = await uidServer();
    const uid = server.next();
    const child = spawn(process.execPath, ['-e', `require('node:net').connect(${JSON.stringify(server.path)}).on('error', () => {})`], {
      uid: NOBODY,
      gid: NOBODY,
      stdio: 'ignore',
    });
    cleanups.push(() => child.kill('SIGKILL'));
    expect(await uid).toBe(NOBODY);
  });

  it('is undefined for a socket without a handle', () => {
    expect(credentials.uidOf({} as Socket)).toBeUndefined();
  });
});

describe('isLocalPeerAllowed', () => {
  it('allows the same user and root, and refuses every other uid', () => {
    expect(isLocalPeerAllowed(1000, 1000)).toBe(true);
    expect(isLocalPeerAllowed(0, 1000)).toBe(true);
    expect(isLocalPeerAllowed(NOBODY, 1000)).toBe(false);
    expect(isLocalPeerAllowed(1001, 1000)).toBe(false);
  });

  it('leaves an unknown uid to the file modes', () => {
    expect(isLocalPeerAllowed(undefined, 1000)).toBe(true);
  });
});
