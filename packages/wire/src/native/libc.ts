import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Koffi from 'koffi';

export type GetSockOpt = (fd: number, level: number, name: number, out: Uint32Array, length: Uint32Array) => number;

/** The libc functions a cell needs and Node does not expose. */
export interface Libc {
  getsockopt: GetSockOpt;
  /** glibc's `malloc_trim`: gives the free memory of every malloc arena back to the system; undefined on a libc without it (musl). */
  mallocTrim: ((pad: number) => number) | undefined;
  /** How koffi was loaded: its native module straight from its prebuilt package, or through koffi's own loader. */
  via: 'native' | 'package';
}

/**
 * libc through koffi (an FFI with prebuilt binaries in npm packages). koffi is an optional peer of
 * this package that the runtime installs and names to its cells (`CELL_KOFFI`, as the path a
 * bundle cannot resolve by itself). A string says why libc cannot be reached here.
 */
function load(module: string): Libc | string {
  if (process.platform !== 'linux') return `libc is read through koffi on Linux only (this is ${process.platform})`;
  try {
    const require = createRequire(import.meta.url);
    const native = nativeKoffi(require.resolve(module));
    const koffi = native ?? (require(module) as typeof Koffi);
    const libc = koffi.load('libc.so.6');
    // Both pointers are typed arrays of ours, passed as they are (a JS array for the length was
    // marshalled in and out on every call).
    const getsockopt = libc.func('int getsockopt(int, int, int, void *out, void *length)') as GetSockOpt;
    return { getsockopt, mallocTrim: optional(() => libc.func('int malloc_trim(size_t pad)') as (pad: number) => number), via: native ? 'native' : 'package' };
  } catch (err) {
    return `koffi cannot be loaded from ${module} (${(err as Error).message.split('\n')[0]})`;
  }
}

function optional<T>(find: () => T): T | undefined {
  try {
    return find();
  } catch {
    return undefined;
  }
}

/**
 * koffi's native module, loaded straight from its prebuilt package beside koffi (where koffi's own
 * loader looks first), when its version is koffi's: ~1 ms, against ~8 ms for koffi's ES-module
 * wrapper, which only adds deprecated aliases. Undefined when it is not there (another libc, a
 * layout npm chose otherwise): then the caller loads koffi itself.
 */
function nativeKoffi(entry: string): typeof Koffi | undefined {
  const dir = dirname(entry);
  const triplet = `${process.platform}_${process.arch}`;
  const name = join('@koromix', `koffi-${process.platform}-${process.arch}`, triplet, 'koffi.node');
  try {
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
    for (const file of [join(dir, '..', name), join(dir, 'node_modules', name)]) {
      if (!existsSync(file)) continue;
      const native = createRequire(entry)(file) as typeof Koffi & { version?: string };
      return native.version === version ? native : undefined;
    }
  } catch {
    // not loadable this way: koffi's own loader decides
  }
  return undefined;
}

const loaded = new Map<string, Libc | string>();

/** libc through the koffi found at `module` (loaded once per process), or why it cannot be reached. */
export function libc(module = 'koffi'): Libc | string {
  let found = loaded.get(module);
  if (found === undefined) loaded.set(module, (found = load(module)));
  return found;
}
