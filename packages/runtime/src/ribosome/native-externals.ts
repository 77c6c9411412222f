import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

/** The packages (`name` or `@scope/name`) installed directly in one node_modules directory. */
function packagesIn(nodeModules: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(nodeModules);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    if (e.startsWith('.')) return [];
    if (!e.startsWith('@')) return [e];
    try {
      return readdirSync(join(nodeModules, e)).map((n) => `${e}/${n}`);
    } catch {
      return [];
    }
  });
}

const scanned = new Map<string, string[]>();

/** The native packages of one node_modules directory (scanned once per process). */
function nativePackagesIn(nodeModules: string): string[] {
  let found = scanned.get(nodeModules);
  if (!found) scanned.set(nodeModules, (found = packagesIn(nodeModules).filter((p) => hasNativeAddon(join(nodeModules, p)))));
  return found;
}

/**
 * Packages with native addons that a build from `dir` can reach — in the node_modules of `dir`
 * and of every directory above it, and in `extraNodePaths` — given to esbuild as `external`, so
 * they stay imports resolved at run time. Scanning once up front costs a few ms; asking esbuild to
 * call back into JavaScript for every bare import took a third of the build time.
 */
export function nativeExternals(dir: string, extraNodePaths: readonly string[] = []): string[] {
  const dirs: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    dirs.push(join(d, 'node_modules'));
    if (d === dirname(d)) break;
  }
  return [...new Set([...dirs, ...extraNodePaths].flatMap(nativePackagesIn))].sort();
}
