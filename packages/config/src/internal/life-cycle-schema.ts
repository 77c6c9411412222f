import Type from 'typebox';
import type { LifeCycle } from '../cell-config.ts';
import type { BuildContext } from './build-context.ts';
import { ActivationKey, ReadyKey, StopSignalKey } from './process-schema.ts';
import { duration, durationRange, durationUnit, table, wholeNumber } from './schema-kit.ts';

/** `memory_trim`: a duration of at least 100 ms, or false for never (decoded to 0). */
const MEMORY_TRIM_MIN_MS = 100;
const memoryTrimDuration = durationUnit(MEMORY_TRIM_MIN_MS);
// A boolean branch (not a literal) so that `true` is told what it may be, not that it is not `false`.
const never = Type.Refine(Type.Boolean(), (v) => v === false, () => 'expected a duration like "5s", or false for never; got true');
const MemoryTrimKey = Type.Union([Type.Decode(never, () => 0), duration({ minMs: MEMORY_TRIM_MIN_MS })], {
  message: (v: unknown) => {
    const parsed = memoryTrimDuration.parse(v);
    return parsed.ok ? '' : `expected a duration like "5s", or false for never: ${parsed.message}`;
  },
});

/** `[life_cycle] restart`: Erlang-style restart intensity. */
const RestartTable = table(
  {
    max: wholeNumber(0, Number.MAX_SAFE_INTEGER, { default: 5, expected: 'a whole number of restarts (0 or more)' }),
    within: duration({ default: '60s' }),
    backoff: durationRange({ default: '100ms..5s' }),
  },
  { default: {}, expected: 'a table like { max = 5, within = "60s", backoff = "100ms..5s" }' },
);

/** `[life_cycle]`: how replicas start, stop, idle and restart. */
export const LifeCycleTable = table(
  {
    idle_timeout: Type.Optional(duration()),
    memory_trim: Type.Optional(MemoryTrimKey),
    restart: RestartTable,
    grace: duration({ default: '5s' }),
    // A replica that must answer its handshake at once can never start.
    ready_timeout: duration({ default: '30s', minMs: 100 }),
    ready: Type.Optional(ReadyKey),
    stop_signal: Type.Optional(StopSignalKey),
    activation: Type.Optional(ActivationKey),
  },
  { default: {} },
);

/** `[life_cycle]` in milliseconds. */
export function buildLifeCycle(ctx: BuildContext): LifeCycle | undefined {
  const t = ctx.decoded(['life_cycle'], LifeCycleTable);
  if (!t) return undefined;
  return {
    idleTimeoutMs: t.idle_timeout,
    memoryTrimMs: t.memory_trim,
    restart: { max: t.restart.max, withinMs: t.restart.within, backoffMinMs: t.restart.backoff.minMs, backoffMaxMs: t.restart.backoff.maxMs },
    graceMs: t.grace,
    readyTimeoutMs: t.ready_timeout,
  };
}
