import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorOf, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { bundleIfChanged, type BundleRequest } from './bundle.ts';

const defer = useTeardown();
const LONG_AGO = new Date('2001-02-03T04:05:06Z');

function project(files: Record<string, string> = {}): { dir: string; req: BundleRequest } {
  const dir = tempDir(defer, {
    'src/main.ts': "import { greeting } from './greeting.ts';\nconst who: string = 'bundle';\nconsole.log(`${greeting} ${who}`);\n",
    'src/greeting.ts': "export const greeting = 'hello';\n",
    ...files,
  });
  return { dir, req: { cell: 'demo', dir, entry: 'src/main.ts', outFile: join(dir, '.cell', 'build', 'main.mjs') } };
}

const run = (file: string) => execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 }).trim();

describe('bundleIfChanged', () => {
  it('bundles the entry and its imports into one runnable ES module, with a manifest of its inputs', async () => {
    const { dir, req } = project();
    expect(await bundleIfChanged(req)).toEqual({ rebuilt: true, warnings: [] });
    expect(run(req.outFile)).toBe('hello bundle');
    const manifest = JSON.parse(readFileSync(`${req.outFile}.manifest.json`, 'utf8')) as { entry: string; inputs: Record<string, [number, number]> };
    expect(manifest.entry).toBe('src/main.ts');
    expect(Object.keys(manifest.inputs).sort()).toEqual([join(dir, 'src/greeting.ts'), join(dir, 'src/main.ts')]);
  });

  it('writes nothing when beforeWrite refuses the bundle, and asks it of an up-to-date bundle too', async () => {
    const { req } = project();
    const refuse = async () => {
      throw new Error('refused');
    };
    await expect(bundleIfChanged({ ...req, beforeWrite: refuse })).rejects.toThrow('refused');
    expect(() => statSync(req.outFile)).toThrow();
    expect(() => statSync(`${req.outFile}.manifest.json`)).toThrow();
    let asked = 0;
    await bundleIfChanged({ ...req, beforeWrite: async () => void asked++ });
    expect((await bundleIfChanged({ ...req, beforeWrite: async () => void asked++ })).rebuilt).toBe(false);
    expect(asked).toBe(2);
    await expect(bundleIfChanged({ ...req, beforeWrite: refuse })).rejects.toThrow('refused');
  });

  it('does not rebuild when no input changed', async () => {
    const { req } = project();
    await bundleIfChanged(req);
    utimesSync(req.outFile, LONG_AGO, LONG_AGO);
    expect((await bundleIfChanged(req)).rebuilt).toBe(false);
    expect(statSync(req.outFile).mtimeMs).toBe(LONG_AGO.getTime()); // not written again
  });

  it('rebuilds when an input is touched or changed, when the output is gone, and when forced', async () => {
    const { dir, req } = project();
    await bundleIfChanged(req);
    utimesSync(join(dir, 'src/greeting.ts'), LONG_AGO, LONG_AGO); // an imported module, not the entry
    expect((await bundleIfChanged(req)).rebuilt).toBe(true);
    expect((await bundleIfChanged(req)).rebuilt).toBe(false);

    writeFileSync(join(dir, 'src/greeting.ts'), "export const greeting = 'hi';\n");
    expect((await bundleIfChanged(req)).rebuilt).toBe(true);
    expect(run(req.outFile)).toBe('hi bundle');

    rmSync(req.outFile);
    expect((await bundleIfChanged(req)).rebuilt).toBe(true);
    expect((await bundleIfChanged({ ...req, force: true })).rebuilt).toBe(true);
  });

  it('rebuilds for another entry into the same output', async () => {
    const { req } = project({ 'src/other.ts': "console.log('other');\n" });
    await bundleIfChanged(req);
    expect((await bundleIfChanged({ ...req, entry: 'src/other.ts' })).rebuilt).toBe(true);
    expect(run(req.outFile)).toBe('other');
  });

  it('runs the banner before the bundle, and gives the bundle a require() for CommonJS dependencies', async () => {
    const { req } = project({
      'src/main.ts': "import { createHash } from 'node:crypto';\nconsole.log(String((globalThis as Record<string, unknown>).early), typeof require, createHash('sha1').update('').digest('hex').slice(0, 4));\n",
    });
    await bundleIfChanged({ ...req, banner: 'globalThis.early = 42;' });
    expect(run(req.outFile)).toBe('42 function da39');
  });

  it('fails with CELL_E_BUILD_FAILED naming the file and line of a syntax error, and keeps the last good bundle', async () => {
    const { dir, req } = project();
    await bundleIfChanged(req);
    writeFileSync(join(dir, 'src/greeting.ts'), "// a comment\n\nexport const greeting = 'unterminated;\n");
    const err = await errorOf(() => bundleIfChanged(req));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    expect(err.details['cell']).toBe('demo');
    const errors = err.details['errors'] as string[];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^src\/greeting\.ts:3:\d+: /);
    expect(run(req.outFile)).toBe('hello bundle');
  });

  it('warns when a kept comment holds a character beyond Latin-1 (V8 would keep the whole source two bytes per character)', async () => {
    // Minified bundles drop comments but keep legal ones (at the end).
    const { req } = project({ 'src/main.ts': '/*! Ratio © φ-labs */\nclass Ratio {\n  home(): number {\n    return 1;\n  }\n}\nconsole.log(new Ratio().home());\n' });
    const { warnings } = await bundleIfChanged(req);
    expect(run(req.outFile)).toBe('1');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\.cell\/build\/main\.mjs:\d+:\d+: "φ" \(U\+03C6\) is outside Latin-1/);
  });

  it('drops comments and indentation but keeps every name, on lines cut at about 160 characters', async () => {
    const { req } = project({
      'src/main.ts': "// a comment the bundle does not need\nfunction greetTheWorld(): string {\n    /* nor this one */\n    return 'hello';\n}\nfor (let i = 0; i < 40; i++) console.log(greetTheWorld() + ' ' + String(i).padStart(3, '0') + ' and some words to make one long line of output');\n",
    });
    await bundleIfChanged(req);
    const text = readFileSync(req.outFile, 'utf8');
    expect(text).toContain('function greetTheWorld()');
    expect(text).not.toContain('comment');
    expect(text).not.toMatch(/^\s+\S/m);
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThanOrEqual(160 + 40); // cut after the token that crosses 160
    expect(run(req.outFile).split('\n')).toHaveLength(40);
  });

  it('rebuilds a bundle made with other options (a manifest from an older Cell)', async () => {
    const { req } = project();
    await bundleIfChanged(req);
    const path = `${req.outFile}.manifest.json`;
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...manifest, options: undefined }));
    expect((await bundleIfChanged(req)).rebuilt).toBe(true);
    expect((await bundleIfChanged(req)).rebuilt).toBe(false);
    expect((await bundleIfChanged({ ...req, banner: 'globalThis.early = 1;' })).rebuilt).toBe(true);
  });

  it('bundles the SDK in Latin-1: a cell keeps its source one byte per character', async () => {
    const { req } = project({ 'src/main.ts': "import { serve, connect } from '@cell/sdk';\nconsole.log(typeof serve, typeof connect);\n" });
    expect(await bundleIfChanged(req)).toEqual({ rebuilt: true, warnings: [] });
    expect(run(req.outFile)).toBe('function function');
  });

  it('fails with CELL_E_BUILD_FAILED for an import that cannot be resolved', async () => {
    const { req } = project({ 'src/main.ts': "import './missing.ts';\n" });
    const err = await errorOf(() => bundleIfChanged(req));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    expect((err.details['errors'] as string[])[0]).toMatch(/^src\/main\.ts:1:\d+: /);
  });
});
