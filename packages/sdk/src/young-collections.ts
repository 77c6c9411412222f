import { DEFAULT_YOUNG_GC_MIB } from '@cell/host';
import { exposedGc, readPacer } from '@cell/wire';
import { launchSettings } from './launch.ts';

/** MiB read between young-generation collections: `CELL_YOUNG_GC_MIB`, else the default of a cell the runtime started (`CELL_NAME`), else none (0). */
export function youngGcMiB(launch: { readonly name: string | undefined; readonly youngGcMiB: number | undefined }): number {
  return launch.youngGcMiB ?? (launch.name ? DEFAULT_YOUNG_GC_MIB : 0);
}

let decided = false;

/**
 * Has this process collect its young generation after every so many MiB its connections read, as
 * the launch environment says (see ReadPacer): a cell the runtime started does, a library or a
 * test does not unless `CELL_YOUNG_GC_MIB` asks. Decided once per process; serve() and connect()
 * both ask.
 */
export function paceYoungCollectionsAsLaunched(): void {
  if (decided) return;
  decided = true;
  const mib = youngGcMiB(launchSettings());
  // V8's gc is fetched at the first collection (a context of its own costs start time and memory).
  if (mib > 0) readPacer.start(mib * 2 ** 20, () => exposedGc()({ type: 'minor' }));
}
