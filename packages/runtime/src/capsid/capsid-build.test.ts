import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../test-fixtures/temp-cells.ts';
import { SANDBOX_NODE } from './capsid-probe.ts';
import { npmCiCommand } from './capsid-build.ts';
import { capsidSkipReason, testCapsidHost } from './test-support/capsid-fixture.ts';

const defer = useTeardown();

/** Packs a tiny package (with an install script that leaves a marker) into `vendorDir`; returns its lockfile entry. */
function packGreeter(workDir: string, vendorDir: string): { file: string; integrity: string } {
  const pkg = join(workDir, 'greet-src');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'greet-local', version: '1.0.0', main: 'index.js', scripts: { install: "node -e \"require('fs').writeFileSync('ran-install', 'yes')\"" } }),
  );
  writeFileSync(join(pkg, 'index.js'), 'module.exports = (name) => `hello, ${name}`;\n');
  mkdirSync(vendorDir, { recursive: true });
  const r = spawnSync('npm', ['pack', '--offline', '--pack-destination', vendorDir, '--ignore-scripts'], {
    cwd: pkg,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' },
  });
  expect(r.status, r.stderr).toBe(0);
  const file = 'greet-local-1.0.0.tgz';
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(vendorDir, file))).digest('base64')}`;
  return { file, integrity };
}

/** A bundle as a donor unpacks it: package.json, package-lock.json, the tarballs its lockfile names. */
function writeBundle(dir: string, extraDeps: Record<string, { version: string; resolved: string; integrity: string }> = {}): void {
  const greeter = packGreeter(join(dir, '..'), join(dir, 'vendor'));
  const deps: Record<string, string> = { 'greet-local': `file:vendor/${greeter.file}` };
  const packages: Record<string, unknown> = {
    'node_modules/greet-local': { version: '1.0.0', resolved: `file:vendor/${greeter.file}`, integrity: greeter.integrity, hasInstallScript: true },
  };
  for (const [name, entry] of Object.entries(extraDeps)) {
    deps[name] = entry.version;
    packages[`node_modules/${name}`] = entry;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bundle', version: '1.0.0', dependencies: deps }));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'bundle', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'bundle', version: '1.0.0', dependencies: deps }, ...packages } }),
  );
}

describe.skipIf(capsidSkipReason() !== undefined)('building in a capsid', () => {
  it('installs a dependency from a tarball the bundle carries, offline, without running its install script', async () => {
    const { host, root } = testCapsidHost(defer);
    const dir = join(root, 'capsids', 'build-1', 'src');
    mkdirSync(dir, { recursive: true });
    writeBundle(dir);
    const result = await host.build({ dir });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'node_modules', 'greet-local', 'index.js'), 'utf8')).toContain('hello');
    expect(existsSync(join(dir, 'node_modules', 'greet-local', 'ran-install'))).toBe(false);
  });

  it('runs install scripts only when the policy allows them', async () => {
    const { host, root } = testCapsidHost(defer);
    const dir = join(root, 'capsids', 'build-2', 'src');
    mkdirSync(dir, { recursive: true });
    writeBundle(dir);
    await host.build({ dir, allowScripts: true });
    expect(readFileSync(join(dir, 'node_modules', 'greet-local', 'ran-install'), 'utf8')).toBe('yes');
  });

  it('fails with CELL_E_BUILD_FAILED when the lockfile names a package the bundle does not carry', async () => {
    const { host, root } = testCapsidHost(defer);
    const dir = join(root, 'capsids', 'build-3', 'src');
    mkdirSync(dir, { recursive: true });
    const missing = { version: '7.0.0', resolved: 'https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz', integrity: `sha512-${Buffer.alloc(64, 7).toString('base64')}` };
    writeBundle(dir, { 'is-number': missing });
    await expect(host.build({ dir })).rejects.toMatchObject({ code: 'CELL_E_BUILD_FAILED', details: { code: 1, oomKilled: false } });
    try {
      await host.build({ dir });
    } catch (err) {
      expect((err as { details: { errors: string[] } }).details.errors.join('\n')).toContain('ENOTCACHED');
    }
    // Without --offline npm would go to the registry: there is no network to go to.
    const online = npmCiCommand(false).filter((a) => a !== '--offline');
    const fetched = await host.build({ dir, command: online }).catch((e: unknown) => e);
    expect(fetched).toMatchObject({ code: 'CELL_E_BUILD_FAILED' });
    expect((fetched as { details: { errors: string[] } }).details.errors.join('\n')).toContain('EAI_AGAIN'); // not even a name server
    expect(existsSync(join(dir, 'node_modules', 'is-number'))).toBe(false);
  });

  it('has no network: a build step cannot reach a listener on the donor\'s loopback', async () => {
    const { host, root } = testCapsidHost(defer);
    let accepted = 0;
    const server = createServer((s) => {
      accepted++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    defer(() => new Promise((r) => server.close(r)));
    const port = (server.address() as { port: number }).port;
    const dir = join(root, 'capsids', 'build-4');
    mkdirSync(dir, { recursive: true });
    const dial = `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', (e) => { require('fs').writeFileSync('dial.txt', e.code); process.exit(3); })`;
    await expect(host.build({ dir, command: [SANDBOX_NODE, '-e', dial] })).rejects.toMatchObject({ code: 'CELL_E_BUILD_FAILED', details: { code: 3 } });
    expect(readFileSync(join(dir, 'dial.txt'), 'utf8')).toBe('ECONNREFUSED');
    expect(accepted).toBe(0);
    expect(readdirSync(dir)).toEqual(['dial.txt']); // the one writable directory
  });
});
