import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { nativeExternals } from './native-externals.ts';

const defer = useTeardown();

/** A package in node_modules whose index exports a marker string; `extra` files make it native or not. */
function pkg(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {
    [`node_modules/${name}/package.json`]: JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
    [`node_modules/${name}/index.js`]: `module.exports = 'marker-of-${name}';`,
  };
  for (const [path, content] of Object.entries(extra)) files[`node_modules/${name}/${path}`] = content;
  return files;
}

describe('nativeExternals', () => {
  it('finds native packages in the node_modules of the directory and those above it, scoped ones included', () => {
    const dir = tempDir(defer, { ...pkg('gyp', { 'binding.gyp': '{}' }), ...pkg('@scope/addon', { 'addon.node': '' }), ...pkg('plain'), 'sub/deeper/.keep': '' });
    expect(nativeExternals(`${dir}/sub/deeper`)).toEqual(expect.arrayContaining(['@scope/addon', 'gyp']));
    expect(nativeExternals(`${dir}/sub/deeper`)).not.toContain('plain');
  });

  it('leaves packages with native addons as imports, and bundles the rest', async () => {
    const names = ['plain', 'gyp', 'prebuilt', 'released', 'addon'];
    const dir = tempDir(defer, {
      ...pkg('plain'),
      ...pkg('gyp', { 'binding.gyp': '{}' }),
      ...pkg('prebuilt', { 'prebuilds/linux-x64/addon.node': '' }),
      ...pkg('released', { 'build/Release/addon.node': '' }),
      ...pkg('addon', { 'addon.node': '' }),
      'main.js': `${names.map((n, i) => `import m${i} from '${n}';`).join('\n')}\nimport { join } from 'node:path';\nconsole.log(join(${names.map((_, i) => `m${i}`).join(', ')}));\n`,
    });
    const result = await build({
      entryPoints: ['main.js'],
      absWorkingDir: dir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      external: nativeExternals(dir),
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const external = output.imports.filter((i) => i.external).map((i) => i.path).sort();
    expect(external).toEqual(['addon', 'gyp', 'node:path', 'prebuilt', 'released']);
    expect(Object.keys(result.metafile.inputs)).toContain('node_modules/plain/index.js');
    expect(result.outputFiles[0]!.text).toContain('marker-of-plain');
    expect(result.outputFiles[0]!.text).not.toContain('marker-of-gyp');
  });

  it('does not get in the way of what esbuild cannot resolve: the build reports it', async () => {
    const dir = tempDir(defer, { 'main.js': "import 'not-installed';\n" });
    const failure = await build({ entryPoints: ['main.js'], absWorkingDir: dir, bundle: true, platform: 'node', write: false, logLevel: 'silent', external: nativeExternals(dir) }).then(
      () => undefined,
      (err: { errors: Array<{ text: string }> }) => err.errors,
    );
    expect(failure).toHaveLength(1);
    expect(failure![0]!.text).toContain('not-installed');
  });
});
