import module from 'node:module';

/**
 * Writes V8's compile cache (`NODE_COMPILE_CACHE`, which the nucleus gives every cell) to disk
 * once the cell serves, not only when it exits: Node writes it at a normal exit, so a cell that
 * was killed, or that crashed, started from source again the next time. Entries already on disk
 * and unchanged are not written again.
 */
export function persistCompileCache(): void {
  if (module.getCompileCacheDir() === undefined) return;
  setImmediate(() => module.flushCompileCache());
}
