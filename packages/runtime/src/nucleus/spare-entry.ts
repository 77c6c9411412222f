// A spare: a Node process the nucleus starts before any cell needs it (see spare-pool.ts). When a
// cell starts, the nucleus sends it the cell's bundle, directory and environment, and the bundle
// runs here as it would in a process of its own; the cell is spared Node's start-up.
//
// It imports nothing of Cell's (it runs under plain `node`, from sources or from dist), only the
// Node modules every cell's bundle loads first, so that those cost a starting cell nothing. They
// are imported as ES modules, as a bundle imports them: Node builds a module's ES facade by
// reading every export, and `node:fs`'s `promises` alone loads a dozen internal modules.
import module from 'node:module';
import 'node:assert';
import 'node:buffer';
import 'node:cluster';
import 'node:diagnostics_channel';
import 'node:events';
import 'node:fs';
import 'node:net';
import 'node:os';
import 'node:path';
import 'node:perf_hooks';
import 'node:stream';
import 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { SpareBecome, SparePreloadFailed } from './spare-pool.ts';

function isBecome(m: unknown): m is SpareBecome {
  const b = m as Partial<SpareBecome> | null;
  return b?.type === 'cell:become' && typeof b.main === 'string' && typeof b.cwd === 'string' && typeof b.env === 'object' && b.env !== null;
}

function become(m: SpareBecome): void {
  process.off('message', onMessage);
  // The environment the cell would have been forked with: nothing of the spare's own stays.
  for (const key of Object.keys(process.env)) if (!(key in m.env)) delete process.env[key];
  Object.assign(process.env, m.env);
  process.chdir(m.cwd);
  process.argv[1] = m.main;
  // Node reads NODE_COMPILE_CACHE when it starts, which for this process was before the cell was known.
  if (m.env['NODE_COMPILE_CACHE']) module.enableCompileCache(m.env['NODE_COMPILE_CACHE']);
  // A bundle that throws as it loads fails as it would have on its own: uncaught, exit code 1.
  import(pathToFileURL(m.main).href).catch((err: unknown) =>
    process.nextTick(() => {
      throw err;
    }),
  );
}

function onMessage(m: unknown): void {
  if (isBecome(m)) become(m);
}

// The nucleus gone, nothing will ever use this process.
process.on('disconnect', () => process.exit(0));

// The SDK bundle of the cells this spare is for: a cell's bundle imports it (through its link,
// whose real path this is), and finds it loaded. Nothing of it runs yet: a cell's first call
// to the SDK reads the cell's environment, set when it becomes one.
const preload = process.env['CELL_SPARE_PRELOAD'];
if (preload) {
  try {
    await import(pathToFileURL(preload).href);
    // What loading it left behind (its young generation grown, its garbage) is not kept while
    // the spare waits: one collection that reduces memory, as a cell's trim does (~1.4 MiB).
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as (options: object) => void)({ type: 'major', flavor: 'last-resort' });
  } catch (err) {
    const failed: SparePreloadFailed = { type: 'cell:spare-preload-failed', reason: err instanceof Error ? err.message : String(err) };
    process.send?.(failed, () => process.exit(1));
    await new Promise(() => undefined); // exits once the nucleus has the reason
  }
}
process.on('message', onMessage);
process.send?.({ type: 'cell:spare-ready' });
