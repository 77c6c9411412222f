import { CellError } from '@cell/protocol';
import type { Manifest, ManifestCell } from '@cell/publish';

/** An amount of the three resources a donor offers: cores and bytes. */
export interface Capacity {
  cpu: number;
  memoryBytes: number;
  storageBytes: number;
}

/** What one replica of a cell that leaves its CPU unset counts for. */
export const DEFAULT_REPLICA_CPU = 0.5;
/** What one replica of a cell that leaves its memory unset counts for: 256 MiB. */
export const DEFAULT_REPLICA_MEMORY_BYTES = 256 * 2 ** 20;
/** What one replica of a cell that leaves its storage unset counts for: 256 MiB. */
export const DEFAULT_REPLICA_STORAGE_BYTES = 256 * 2 ** 20;

// CPU is counted in whole millicores so that sums of fractions (0.1 + 0.2) compare exactly.
const MILLI = 1000;
const toMilli = (cores: number) => Math.round(cores * MILLI);

type Resource = keyof Capacity;
const RESOURCES: readonly Resource[] = ['cpu', 'memoryBytes', 'storageBytes'];
const NAMES: Record<Resource, string> = { cpu: 'CPU', memoryBytes: 'memory', storageBytes: 'storage' };

/** Bytes the way people read them: binary units, at most one decimal (`1.5 GiB`, `256 MiB`). */
function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

function format(resource: Resource, amount: number): string {
  if (resource !== 'cpu') return formatBytes(amount);
  const cores = Number(amount.toFixed(3));
  return `${cores} core${cores === 1 ? '' : 's'}`;
}

function checkCapacity(what: string, c: Capacity, positive: boolean): void {
  for (const r of RESOURCES) {
    const v = c[r];
    const fits = Number.isFinite(v) && (positive ? v > 0 : v >= 0) && (r === 'cpu' || Number.isSafeInteger(v));
    if (!fits) {
      const rule = positive ? 'above 0' : 'at least 0';
      throw new CellError('CELL_E_INVALID_ARGUMENT', `${what}.${r} must be ${r === 'cpu' ? 'a number of cores' : 'whole bytes'} ${rule}, got ${v}`, {
        details: { option: `${what}.${r}`, value: v },
      });
    }
  }
}

/** One bound of a manifest resource: the maximum when given (what the sandbox allows), else the minimum, else `fallback`. */
function bound(range: { min: number | null; max: number | null }, fallback: number, where: string): number {
  const value = range.max ?? range.min ?? fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new CellError('CELL_E_MANIFEST_INVALID', `${where} is ${value}; a resource is a number at least 0`, { details: { reason: 'schema' } });
  }
  return value;
}

/**
 * What all replicas of a tree's cells need together. Per replica a cell counts for its maximum
 * of each resource when it sets one, else its minimum, else the defaults (0.5 core, 256 MiB of
 * memory, 256 MiB of storage); a cell counts `replicas` times; one that runs no process (`runs: false`, no entry) not at all. GPUs are not counted here.
 * Throws CELL_E_MANIFEST_INVALID (`schema`) for a negative amount, which would free capacity.
 */
export function treeNeeds(manifest: Pick<Manifest, 'cells'>): Capacity {
  let cpuMilli = 0;
  let memoryBytes = 0;
  let storageBytes = 0;
  for (const cell of manifest.cells) {
    if (cell.runs === false) continue; // no entry: no process
    const one = replicaNeeds(cell);
    cpuMilli += toMilli(one.cpu) * cell.replicas;
    memoryBytes += one.memoryBytes * cell.replicas;
    storageBytes += one.storageBytes * cell.replicas;
  }
  return { cpu: cpuMilli / MILLI, memoryBytes, storageBytes };
}

/** What one replica of a cell counts for (see {@link treeNeeds}); also the limits its capsid is given. */
export function replicaNeeds(cell: Pick<ManifestCell, 'name' | 'resources'>): Capacity {
  const { cpu, memory, storage } = cell.resources;
  return {
    cpu: toMilli(bound(cpu, DEFAULT_REPLICA_CPU, `the cpu of ${cell.name}`)) / MILLI,
    memoryBytes: Math.ceil(bound(memory, DEFAULT_REPLICA_MEMORY_BYTES, `the memory of ${cell.name}`)),
    storageBytes: Math.ceil(bound(storage, DEFAULT_REPLICA_STORAGE_BYTES, `the storage of ${cell.name}`)),
  };
}

/** What a placement holds: CPU in millicores, so that sums of fractions compare exactly. */
interface Held {
  cpuMilli: number;
  memoryBytes: number;
  storageBytes: number;
  /** Tells this reservation's release from that of an earlier reservation under the same id. */
  token: object;
}

/**
 * What a donor offers (`cell donate --cpu --memory --storage`) and what its placements hold.
 * A placement reserves its needs under an id and gets back the function that gives them back.
 */
export class DonorCapacity {
  /** What the donor offers in total. */
  readonly offered: Readonly<Capacity>;
  readonly #held = new Map<string, Held>();

  /** Throws CELL_E_INVALID_ARGUMENT unless every amount is above 0 (bytes whole). */
  constructor(offered: Capacity) {
    checkCapacity('offered', offered, true);
    this.offered = Object.freeze({ ...offered });
  }

  /** What current placements hold. */
  used(): Capacity {
    let cpuMilli = 0;
    let memoryBytes = 0;
    let storageBytes = 0;
    for (const held of this.#held.values()) {
      cpuMilli += held.cpuMilli;
      memoryBytes += held.memoryBytes;
      storageBytes += held.storageBytes;
    }
    return { cpu: cpuMilli / MILLI, memoryBytes, storageBytes };
  }

  /** What is left for new placements. */
  free(): Capacity {
    const used = this.used();
    return {
      cpu: (toMilli(this.offered.cpu) - toMilli(used.cpu)) / MILLI,
      memoryBytes: this.offered.memoryBytes - used.memoryBytes,
      storageBytes: this.offered.storageBytes - used.storageBytes,
    };
  }

  /**
   * Holds `need` for placement `id`; returns the release function (calling it again does
   * nothing). Throws CELL_E_CAPACITY when any resource is short, the message naming each one and
   * by how much (`details.asked`, `details.free`, `details.offered`); CELL_E_INVALID_ARGUMENT for
   * an id that already holds a reservation, or a need that is not an amount.
   */
  reserve(id: string, need: Capacity): () => void {
    checkCapacity('need', need, false);
    if (this.#held.has(id)) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `placement ${id} already holds a reservation; release it first`, { details: { id } });
    }
    const free = this.free();
    const shortBy = (r: Resource) => (r === 'cpu' ? (toMilli(need.cpu) - toMilli(free.cpu)) / MILLI : need[r] - free[r]);
    const short = RESOURCES.filter((r) => shortBy(r) > 0);
    if (short.length > 0) {
      const parts = short.map((r) => {
        const offered = format(r, this.offered[r]);
        return need[r] > this.offered[r]
          ? `${NAMES[r]}: asks ${format(r, need[r])}, ${format(r, need[r] - this.offered[r])} more than the ${offered} this donor offers`
          : `${NAMES[r]}: asks ${format(r, need[r])}, ${format(r, shortBy(r))} more than the ${format(r, free[r])} left of the ${offered} offered`;
      });
      throw new CellError('CELL_E_CAPACITY', `placement ${id} does not fit: ${parts.join('; ')}`, {
        details: { asked: { ...need }, free, offered: { ...this.offered } },
      });
    }
    const token = {};
    this.#held.set(id, { cpuMilli: toMilli(need.cpu), memoryBytes: need.memoryBytes, storageBytes: need.storageBytes, token });
    return () => {
      if (this.#held.get(id)?.token === token) this.#held.delete(id);
    };
  }
}
