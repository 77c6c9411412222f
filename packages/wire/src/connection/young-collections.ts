import v8 from 'node:v8';
import vm from 'node:vm';

let exposed: ((options: object) => void) | undefined;

/**
 * V8's `gc`, for the collections a process asks for itself (young ones paced by reads, a
 * memory-reducing one when a cell is idle). It comes from a context of its own, so the process's
 * global scope gets no `gc`; the `--expose-gc` flag is process-wide, though, so a context made
 * later (`vm`) has one.
 */
export function exposedGc(): (options: object) => void {
  if (!exposed) {
    v8.setFlagsFromString('--expose-gc');
    exposed = vm.runInNewContext('gc') as (options: object) => void;
  }
  return exposed;
}

/**
 * Young-generation collections paced by the bytes a process's connections read. Each frame read
 * is copied into a buffer of its own, off V8's heap. While the young generation is small, V8's
 * own young collections free those buffers as fast as they come; once a load of small calls has
 * grown it (V8 grows it to 16 MiB while objects keep surviving), bulk reads no longer fill it,
 * and only full collections free their buffers, started every few MiB by the off-heap bytes and
 * many times dearer. A young collection after every `everyBytes` read keeps bulk transfers on the
 * cheap path (a 1 MiB echo after small calls ~1,200 -> ~1,800 MB/s, scratch); small calls read too
 * little to cause one.
 */
export class ReadPacer {
  private everyBytes = 0;
  private sinceBytes = 0;
  private collect: (() => void) | undefined;

  /** Runs `collect` after every `everyBytes` read from now on. */
  start(everyBytes: number, collect: () => void): void {
    if (!(everyBytes > 0)) throw new RangeError(`a read pacer needs a positive number of bytes, got ${everyBytes}`);
    this.everyBytes = everyBytes;
    this.sinceBytes = 0;
    this.collect = collect;
  }

  stop(): void {
    this.collect = undefined;
  }

  get active(): boolean {
    return this.collect !== undefined;
  }

  /** Counts `bytes` just read (the hot path: one check while stopped). */
  read(bytes: number): void {
    const collect = this.collect;
    if (collect === undefined) return;
    if ((this.sinceBytes += bytes) < this.everyBytes) return;
    this.sinceBytes = 0;
    collect();
  }
}

/** The pacer every connection of this process reports its reads to (stopped until started). */
export const readPacer = new ReadPacer();
