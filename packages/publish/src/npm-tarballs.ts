import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CellError } from '@cell/protocol';

const run = promisify(execFile);

/** Gives the tarballs a bundle carries: registry packages by name, version and integrity; workspace packages by directory. */
export interface TarballSource {
  /** The registry tarball of `name@version`; its integrity must be `integrity` (checked by the caller too). */
  registry(name: string, version: string, integrity: string): Promise<Uint8Array>;
  /** True when npm's cache holds the tarball (no network). */
  cached(integrity: string): Promise<boolean>;
  /** `npm pack` of a local package directory (deterministic: npm fixes mtimes and order). */
  packDirs(dirs: readonly string[]): Promise<Map<string, Uint8Array>>;
}

/** True when `bytes` match an SRI string (`sha512-...`, any of several). */
export function matchesIntegrity(bytes: Uint8Array, integrity: string): boolean {
  return integrity.split(/\s+/).some((sri) => {
    const m = /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(sri);
    return m !== null && createHash(m[1]!).update(bytes).digest('base64') === m[2];
  });
}

/** The SRI (sha512) of bytes, as npm writes it. */
export function integrityOf(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** The registry URL of a tarball: `<registry>/<name>/-/<unscoped>-<version>.tgz`. */
export function tarballUrl(registry: string, name: string, version: string): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return `${base}${name}/-/${name.split('/').at(-1)}-${version}.tgz`;
}

/** Where npm's cache (cacache) keeps content of an integrity, per algorithm. */
function cachePaths(cacheDir: string, integrity: string): string[] {
  return integrity.split(/\s+/).flatMap((sri) => {
    const m = /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(sri);
    if (!m) return [];
    const hex = Buffer.from(m[2]!, 'base64').toString('hex');
    return [join(cacheDir, '_cacache', 'content-v2', m[1]!, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4))];
  });
}

export interface NpmTarballOptions {
  /** npm's registry (default: `npm config get registry`). */
  registry?: string;
  /** npm's cache directory (default: `npm config get cache`). */
  cacheDir?: string;
  /** Never ask the registry: only npm's cache (tests, offline machines). */
  offline?: boolean;
  fetchTimeoutMs?: number;
}

async function npmConfig(key: string): Promise<string> {
  const { stdout } = await run('npm', ['config', 'get', key], { encoding: 'utf8' });
  return stdout.trim();
}

/**
 * Tarballs the way npm gets them, from the configured npm registry only: first npm's own cache
 * (content-addressed by integrity, so what `npm ci` downloaded is reused), else the registry's
 * tarball URL; both checked against the lockfile's integrity. Workspace packages are packed with
 * `npm pack --ignore-scripts`.
 */
export function npmTarballs(options: NpmTarballOptions = {}): TarballSource {
  let registry: Promise<string> | undefined;
  let cacheDir: Promise<string> | undefined;
  const fromCache = async (integrity: string): Promise<Uint8Array | undefined> => {
    cacheDir ??= options.cacheDir !== undefined ? Promise.resolve(options.cacheDir) : npmConfig('cache');
    for (const path of cachePaths(await cacheDir, integrity)) {
      const bytes = await readFile(path).catch(() => undefined);
      if (bytes && matchesIntegrity(bytes, integrity)) return bytes;
    }
    return undefined;
  };
  return {
    async cached(integrity) {
      return (await fromCache(integrity)) !== undefined;
    },
    async registry(name, version, integrity) {
      const cached = await fromCache(integrity);
      if (cached) return cached;
      if (options.offline) throw new CellError('CELL_E_BUNDLE_FAILED', `${name}@${version} is not in npm's cache and the registry may not be asked (offline)`);
      registry ??= options.registry !== undefined ? Promise.resolve(options.registry) : npmConfig('registry');
      const url = tarballUrl(await registry, name, version);
      let bytes: Uint8Array;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(options.fetchTimeoutMs ?? 60_000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch (err) {
        throw new CellError('CELL_E_BUNDLE_FAILED', `${name}@${version} could not be fetched from ${url}: ${(err as Error).message}`, { cause: err });
      }
      if (!matchesIntegrity(bytes, integrity)) throw new CellError('CELL_E_BUNDLE_FAILED', `${url} does not match the lockfile's integrity for ${name}@${version}`);
      return bytes;
    },
    async packDirs(dirs) {
      const out = new Map<string, Uint8Array>();
      if (dirs.length === 0) return out;
      const dest = mkdtempSync(join(tmpdir(), 'cell-pack-'));
      try {
        const { stdout } = await run('npm', ['pack', ...dirs, '--json', '--ignore-scripts', '--pack-destination', dest], { encoding: 'utf8', maxBuffer: 64 << 20 });
        const packed = JSON.parse(stdout) as Array<{ filename: string }>;
        packed.forEach((p, i) => out.set(dirs[i]!, readFileSync(join(dest, p.filename))));
      } catch (err) {
        throw new CellError('CELL_E_BUNDLE_FAILED', `npm pack of ${dirs.join(', ')} failed: ${(err as Error).message}`, { cause: err });
      } finally {
        rmSync(dest, { recursive: true, force: true });
      }
      return out;
    },
  };
}
