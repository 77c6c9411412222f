import Type from 'typebox';
import type { LifeCycle } from '../cell-config.ts';
import type { BuildContext } from './build-context.ts';
import { ActivationKey, ReadyKey, StopSignalKey } from './process-schema.ts';
import { duration, durationRange, table, wholeNumber } from './schema-kit.ts';

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
    restart: { max: t.restart.max, withinMs: t.restart.within, backoffMinMs: t.restart.backoff.minMs, backoffMaxMs: t.restart.backoff.maxMs },
    graceMs: t.grace,
    readyTimeoutMs: t.ready_timeout,
  };
}
