import Type from 'typebox';
import type { Range, Resources } from '../cell-config.ts';
import { describe, type Parsed } from '../units.ts';
import type { BuildContext } from './build-context.ts';
import { CPU, range, sizeUnit, table, type Unit } from './schema-kit.ts';

/**
 * The smallest memory maximum: an idle cell's own (private) memory is about 21 MiB, so a replica
 * capped below 32 MiB is killed as soon as it starts, and restarted, forever.
 */
export const MIN_MEMORY_MAX_BYTES = 32 * 1024 ** 2;

const GPUS: Unit<number> = {
  parse: (v): Parsed<number> =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? { ok: true, value: v } : { ok: false, message: `expected a whole number of GPUs, got ${describe(v)}` },
  accepts: 'number',
};

/** Log files are rotated at a third of their maximum; below 3 MiB a rotation would hold only a few lines. */
export const MIN_LOGS_MAX_BYTES = 3 * 1024 ** 2;
/** Default: 48 MB for one replica's log files (the current file and two rotated ones). */
export const DEFAULT_LOGS_MAX_BYTES = 48_000_000;
const LOGS_MAX = sizeUnit({ bytes: MIN_LOGS_MAX_BYTES, rule: 'a log maximum must be at least 3MiB' });

const MEMORY_MAX = sizeUnit({ bytes: MIN_MEMORY_MAX_BYTES, rule: 'a memory maximum must be at least 32MiB (an idle cell alone uses about 21MiB)' });

/** `[resources]`: each a maximum, or a `{ min, max }` table. */
export const ResourcesTable = table(
  {
    cpu: Type.Optional(range(CPU, CPU, 'cores like 0.5, millicores like "500m", or a table like { min = 0.25, max = 1 }')),
    memory: Type.Optional(range(sizeUnit(), MEMORY_MAX, 'a size like "256MB" or a table like { min = "64MB", max = "256MB" }')),
    storage: Type.Optional(range(sizeUnit(), sizeUnit(), 'a size like "10GB" or a table like { min = "1GB", max = "10GB" }')),
    gpu: Type.Optional(range(GPUS, GPUS, 'a whole number of GPUs or a table like { min = 0, max = 1 }')),
    logs: Type.Optional(range(sizeUnit(), LOGS_MAX, 'a size like "48MB": the most log files of one replica may take')),
  },
  { default: {} },
);

const noLimit = (): Range => ({ min: undefined, max: undefined });

/** `[resources]` in cores and bytes. */
export function buildResources(ctx: BuildContext): Resources | undefined {
  const t = ctx.decoded(['resources'], ResourcesTable);
  if (!t) return undefined;
  return {
    cpu: t.cpu ?? noLimit(),
    memory: t.memory ?? noLimit(),
    storage: t.storage ?? noLimit(),
    gpu: t.gpu ?? noLimit(),
    logs: { min: t.logs?.min, max: t.logs?.max ?? DEFAULT_LOGS_MAX_BYTES },
  };
}
