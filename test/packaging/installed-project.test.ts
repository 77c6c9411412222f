import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npm, packAll, pathWithThisNode, REPO, type Packed } from './pack.ts';

/**
 * The walk of README "Use Cell in your project", from outside the repository: the packages as npm
 * would publish them, a project made by create-cell, installed from the tarballs, run with npx.
 */
describe('a project outside the repository, from the packed packages', () => {
  const packs = mkdtempSync(join(tmpdir(), 'cell-packs-'));
  const home = mkdtempSync(join(tmpdir(), 'cell-user-'));
  const app = join(home, 'my-app');
  let packed: Packed[] = [];
  const env = { ...process.env, PATH: pathWithThisNode(), NO_COLOR: '1', CELL_HOME: join(home, '.cell') };
  const npx = (args: string[]) => {
    try {
      return { status: 0, stdout: execFileSync('npx', ['--no-install', ...args], { cwd: app, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }), stderr: '' };
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string };
      return { status: e.status, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(() => {
    expect(home.startsWith(REPO)).toBe(false);
    packed = packAll(packs);
  }, 300_000);
  afterAll(() => {
    npx(['cell', 'stop']);
    rmSync(packs, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('npm create cell: scaffolds the project from the create-cell tarball', () => {
    const createCell = packed.find((p) => p.name === 'create-cell')!.tarball;
    // What `npm create cell@latest my-app` runs, with the package taken from its tarball.
    const out = npm(['exec', '--yes', `--package=${createCell}`, '--', 'create-cell', 'my-app', '--skip-install'], home, env);
    expect(out).toContain('Created my-app:');
    expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))).toMatchObject({ dependencies: { '@cell/sdk': '0.1.0' }, devDependencies: { '@cell/cli': '0.1.0' } });
  }, 120_000);

  it('installs from the tarballs what the registry would give: no network packages unless asked for', () => {
    // Each Cell package resolves to its tarball, as it would to its registry version: npm installs
    // only what @cell/sdk and @cell/cli need, nothing from the repository.
    const pkgFile = join(app, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; overrides?: Record<string, string> };
    pkg.overrides = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
    pkg.dependencies['@cell/sdk'] = pkg.overrides['@cell/sdk']!;
    pkg.devDependencies['@cell/cli'] = pkg.overrides['@cell/cli']!;
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
    npm(['install', '--no-audit', '--no-fund'], app, env);
    const sdk = JSON.parse(readFileSync(join(app, 'node_modules', '@cell', 'sdk', 'package.json'), 'utf8')) as { version: string };
    expect(sdk.version).toBe('0.1.0');
    expect(npx(['cell', '--version'])).toMatchObject({ status: 0 });
    // The network (libp2p, Helia) is an optional peer: a project on one machine installs none of it.
    expect(existsSync(join(app, 'node_modules', '@cell', 'net'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'libp2p'))).toBe(false);
  }, 300_000);

  it('a network command without @cell/net says how to add it, and works once it is added', () => {
    const missing = npx(['cell', 'id']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('CELL_E_NOT_INSTALLED: cell id needs the network package, which this project does not install: npm install -D @cell/net');
    // `npm install -D @cell/net` from the registry; here its tarball, so its override goes (npm refuses
    // an override of a direct dependency).
    const pkgFile = join(app, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { overrides: Record<string, string> };
    const net = pkg.overrides['@cell/net']!;
    delete pkg.overrides['@cell/net'];
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
    npm(['install', '--no-audit', '--no-fund', '-D', net], app, env);
    const id = npx(['cell', 'id', '--json']);
    expect(id.status, id.stderr).toBe(0);
    expect(JSON.parse(id.stdout)).toMatchObject({ node: expect.stringMatching(/^12D3KooW/) });
  }, 300_000);

  it('npx cell mitosis --detach starts both cells; npx cell call goes through the bindings', () => {
    const started = npx(['cell', 'mitosis', '--detach']);
    expect(started.status, started.stdout + started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^└─ welcome .* ready /m);
    const ok = npx(['cell', 'call', 'cells/welcome', 'welcome', '{"name":"Ada"}']);
    expect(JSON.parse(ok.stdout)).toEqual({ message: 'Hello, Ada! Welcome aboard.' });
    const refused = npx(['cell', 'call', 'cells/welcome', 'welcome', '{"name":"nobody"}']);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ code: 'Unwelcome', details: { reason: 'will not greet nobody' } });
  }, 120_000);

  it('the generated tests pass (npm test), and the project type-checks (tsc)', () => {
    const out = npm(['test'], app, env);
    expect(out).toMatch(/^ℹ pass 2$/m);
    expect(out).toMatch(/^ℹ fail 0$/m);
    expect(npx(['tsc', '--noEmit', '-p', '.'])).toMatchObject({ status: 0 });
  }, 120_000);

  it('npx cell build refuses a handler that breaks its contract, naming file, line and column', () => {
    const handlers = join(app, 'cells/greeter/src/handlers.ts');
    const good = readFileSync(handlers, 'utf8');
    writeFileSync(handlers, good.replace('return { greeting: `Hello, ${name}!` };', 'return { greeting: name.length };'));
    try {
      const r = npx(['cell', 'build']);
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/src\/handlers\.ts\(\d+,\d+\): error TS2322/);
    } finally {
      writeFileSync(handlers, good);
    }
    expect(npx(['cell', 'build'])).toMatchObject({ status: 0 });
  }, 120_000);

  it('npx cell stop stops the tree', () => {
    expect(npx(['cell', 'stop'])).toMatchObject({ status: 0 });
    expect(npx(['cell', 'status']).status).toBe(3);
  }, 60_000);
});
