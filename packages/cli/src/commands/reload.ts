import { cellDir, nucleusFor } from '../locate-tree.ts';

/** `cell reload <cell-dir>`: rebuilds the cell and replaces its replicas one by one, dropping no call. */
export async function reloadCommand(dirArg: string | undefined): Promise<{ replaced: number; rebuilt: boolean; keptMajor: number | null }> {
  const dir = cellDir(dirArg);
  const { control } = nucleusFor(dir);
  try {
    const r = await control.reload.try({ cell: dir });
    if (!r.ok) throw r.error;
    return r.value;
  } finally {
    await control.$close();
  }
}
