import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/** Packages that load compiled `.node` addons cannot be bundled: they stay `import`s. */
function hasNativeAddon(pkgDir: string): boolean {
  if (existsSync(join(pkgDir, 'binding.gyp'))) return true;
  for (const sub of ['prebuilds', 'build/Release']) {
    if (existsSync(join(pkgDir, sub))) return true;
  }
  try {
    return readdirSync(pkgDir).some((f) => f.endsWith('.node'));
  } catch {
    return false;
  }
}

function packageRoot(file: string): string | undefined {
  let dir = dirname(file);
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && dir.includes('node_modules')) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** esbuild plugin: leaves packages with native addons (and their optional helpers) unbundled. */
export function nativeExternals(): Plugin {
  const verdicts = new Map<string, boolean>();
  return {
    name: 'cell-native-externals',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'cell-native-check' || args.path.startsWith('node:')) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'cell-native-check' });
        if (resolved.errors.length > 0 || !resolved.path) return undefined;
        const root = packageRoot(resolved.path);
        if (!root) return undefined;
        let native = verdicts.get(root);
        if (native === undefined) verdicts.set(root, (native = hasNativeAddon(root)));
        return native ? { path: args.path, external: true } : undefined;
      });
    },
  };
}
