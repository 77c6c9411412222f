import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown, writeFiles } from '../test-fixtures/temp-cells.ts';
import { bundleIfChanged, type BundleRequest, START_FILE } from './bundle.ts';
import { copyBuild } from './build-cell.ts';
import { ensureSdkBundle, forgetSdkBundles, linkSdk, pruneSdkBundles, SDK_LINK, sdkInputs, sdkOfBuild } from './sdk-bundle.ts';

const defer = useTeardown();
const LONG_AGO = new Date('2001-02-03T04:05:06Z');

// A stand-in for @cell/sdk, installed in the cells' own node_modules: it counts how often it is
// evaluated in one process, and sees whether the cell's banner ran before it.
const FAKE_SDK = {
  'node_modules/@cell/sdk/package.json': JSON.stringify({ name: '@cell/sdk', type: 'module', exports: { '.': './index.js' } }),
  'node_modules/@cell/sdk/index.js':
    "import { part } from './part.js';\nglobalThis.sdkLoads = (globalThis.sdkLoads ?? 0) + 1;\nexport const bannerFirst = globalThis.banner === true;\nexport function greet(who) { return `${part} ${who}`; }\n",
  'node_modules/@cell/sdk/part.js': "export const part = 'hello';\n",
};

/** Cells `a` and `b` of one tree, both bundled. */
async function twoCellsBuilt(): Promise<{ root: string; a: BundleRequest; b: BundleRequest }> {
  const root = tempDir(defer, FAKE_SDK);
  const a = cell(root, 'a');
  const b = cell(root, 'b');
  await bundleIfChanged(a);
  await bundleIfChanged(b);
  return { root, a, b };
}

function cell(root: string, name: string, body = "import { greet, bannerFirst } from '@cell/sdk';\nconsole.log(greet('" + name + "'), bannerFirst, globalThis.sdkLoads);\n"): BundleRequest {
  const dir = join(root, 'cells', name);
  writeFiles(dir, { 'src/main.ts': body });
  return { cell: name, dir, entry: 'src/main.ts', outFile: join(dir, '.cell', 'build', 'main.mjs'), banner: 'globalThis.banner = true;', sdkDir: join(root, '.cell', 'sdk') };
}

const run = (file: string) => execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 }).trim();
const sdkFiles = (dir: string) => readdirSync(dir).filter((f) => /^cell-sdk-[0-9a-f]+\.mjs$/.test(f));

describe('a cell bundle with the SDK apart', () => {
  it('imports the SDK from a link to a bundle the cells of a tree share, after its banner has run', async () => {
    const root = tempDir(defer, FAKE_SDK);
    const a = cell(root, 'a');
    const b = cell(root, 'b');
    expect((await bundleIfChanged(a)).rebuilt).toBe(true);
    expect((await bundleIfChanged(b)).rebuilt).toBe(true);
    expect(run(a.outFile)).toBe('hello a true 1');
    expect(readFileSync(a.outFile, 'utf8')).toContain('./cell-sdk.mjs');
    expect(readFileSync(a.outFile, 'utf8')).not.toContain('function greet');
    expect(readFileSync(join(a.dir, '.cell', 'build', START_FILE), 'utf8')).toContain('globalThis.banner = true;');
    // One SDK bundle, linked relatively from both cells.
    expect(sdkFiles(a.sdkDir!)).toHaveLength(1);
    expect(sdkOfBuild(a.outFile)).toBe(realpathSync(join(a.sdkDir!, sdkFiles(a.sdkDir!)[0]!)));
    expect(sdkOfBuild(b.outFile)).toBe(sdkOfBuild(a.outFile));
    expect(readlinkSync(join(a.dir, '.cell', 'build', SDK_LINK))).toMatch(/^\.\.\/\.\.\/\.\.\/\.\.\/\.cell\/sdk\/cell-sdk-[0-9a-f]+\.mjs$/);
  });

  it('loads the SDK once in a process that runs two cells of the tree: one module, by its real path', async () => {
    const { root, a, b } = await twoCellsBuilt();
    const both = join(root, 'both.mjs');
    writeFileSync(both, `await import(${JSON.stringify(a.outFile)});\nawait import(${JSON.stringify(b.outFile)});\n`);
    expect(run(both).split('\n')).toEqual(['hello a true 1', 'hello b true 1']);
  });

  it('makes a new SDK bundle when the SDK changes, and relinks an unchanged cell to it', async () => {
    const root = tempDir(defer, FAKE_SDK);
    const a = cell(root, 'a');
    await bundleIfChanged(a);
    const first = sdkOfBuild(a.outFile)!;
    expect(sdkInputs(join(a.sdkDir!, readdirSync(a.sdkDir!).find((f) => f.endsWith('.manifest.json'))!))).toContain(join(root, 'node_modules/@cell/sdk/part.js'));
    expect((await bundleIfChanged(a)).rebuilt).toBe(false);
    writeFileSync(join(root, 'node_modules/@cell/sdk/part.js'), "export const part = 'hi there';\n");
    expect((await bundleIfChanged(a)).rebuilt).toBe(true); // the same bundle, a new link
    expect(sdkOfBuild(a.outFile)).not.toBe(first);
    expect(existsSync(first)).toBe(true); // a process that loaded the old one never sees it change
    expect(run(a.outFile)).toBe('hi there a true 1');
  });

  it('keeps the SDK of a second version some dependency resolves in the bundle, and links none for a cell without the SDK', async () => {
    const root = tempDir(defer, {
      ...FAKE_SDK,
      'cells/a/lib/node_modules/@cell/sdk/package.json': JSON.stringify({ name: '@cell/sdk', type: 'module', exports: { '.': './index.js' } }),
      'cells/a/lib/node_modules/@cell/sdk/index.js': "export const old = 'an older SDK';\n",
      'cells/a/lib/uses-old.js': "export { old } from '@cell/sdk';\n",
    });
    const a = cell(root, 'a', "import { greet } from '@cell/sdk';\nimport { old } from '../lib/uses-old.js';\nconsole.log(greet('a'), old);\n");
    await bundleIfChanged(a);
    expect(run(a.outFile)).toBe('hello a an older SDK');
    const plain = cell(root, 'plain', "console.log('no sdk');\n");
    await bundleIfChanged(plain);
    expect(run(plain.outFile)).toBe('no sdk');
    expect(sdkOfBuild(plain.outFile)).toBeUndefined();
    // Its banner's file is still its: gone, the bundle is made again.
    rmSync(join(plain.dir, '.cell', 'build', START_FILE));
    expect((await bundleIfChanged(plain)).rebuilt).toBe(true);
    expect(run(plain.outFile)).toBe('no sdk');
  });

  it('prunes the SDK bundles no build links once a newer one is linked; one newer than every linked one stays', async () => {
    const { root, a, b } = await twoCellsBuilt();
    const old = sdkOfBuild(a.outFile)!;
    utimesSync(old, LONG_AGO, LONG_AGO);
    writeFileSync(join(root, 'node_modules/@cell/sdk/part.js'), "export const part = 'hi there';\n");
    await bundleIfChanged(a);
    const current = sdkOfBuild(a.outFile)!;
    expect(pruneSdkBundles(a.sdkDir!, new Set([old, current]))).toEqual([]); // b still links the old one
    await bundleIfChanged(b);
    // A bundle another build made and has not linked yet is newer than every linked one: it stays.
    const orphan = join(a.sdkDir!, 'cell-sdk-0123456789abcdef.mjs');
    writeFileSync(orphan, 'export {};\n');
    expect(pruneSdkBundles(a.sdkDir!, new Set([sdkOfBuild(a.outFile)!, sdkOfBuild(b.outFile)!]))).toEqual([basename(old)]);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(`${old}.map`)).toBe(false);
    expect(existsSync(orphan)).toBe(true);
    expect(run(b.outFile)).toBe('hi there b true 1');
  });

  it('builds a shared SDK once for cells built at the same time, and again once forgotten (--force)', async () => {
    const root = tempDir(defer, FAKE_SDK);
    let built = 0;
    const req = { entry: join(root, 'node_modules/@cell/sdk/index.js'), dir: join(root, 'sdk'), options: { bundle: true, platform: 'node', format: 'esm' }, onBuilt: () => built++ };
    const [x, y] = await Promise.all([ensureSdkBundle(req), ensureSdkBundle(req)]);
    expect(x).toEqual(y);
    expect(built).toBe(1);
    await ensureSdkBundle(req);
    expect(built).toBe(1);
    forgetSdkBundles(req.dir); // --force
    expect(await ensureSdkBundle(req)).toEqual(x);
    expect(built).toBe(2);
  });

  it('copies a build with its banner and the same SDK (an old major kept running)', async () => {
    const root = tempDir(defer, FAKE_SDK);
    const a = cell(root, 'a');
    await bundleIfChanged(a);
    const copy = copyBuild(a.outFile, join(a.dir, '.cell', 'build', 'v1'));
    expect(run(copy)).toBe('hello a true 1');
    expect(sdkOfBuild(copy)).toBe(sdkOfBuild(a.outFile));
    expect(linkSdk(join(a.dir, '.cell', 'build', 'v1'), sdkOfBuild(a.outFile)!)).toBe(false);
  });
});
