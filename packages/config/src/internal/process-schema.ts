import Type from 'typebox';
import type { PortSpec, ProcessConfig, ReadyCheck } from '../cell-config.ts';
import { describe } from '../units.ts';
import type { BuildContext } from './build-context.ts';
import { duration, table, wholeNumber } from './schema-kit.ts';

// The keys of a process cell: a cell that runs any executable (`[cell] run`) instead of a Node
// entry, its ports, the user it runs as, how it shows it is ready and how it is asked to stop.

/** Port names: lower case, so `PORT_<NAME>` is a valid variable name once upper-cased. */
export const PORT_NAME = '^[a-z][a-z0-9_]{0,30}$';
const PORT_NAME_WORDING = 'port names are lower case (a-z, 0-9, _; starting with a letter)';

/** `[cell] run`: the executable and its arguments, `${VAR}` expanded when it starts. */
const RUN = 'an array of strings: the executable and its arguments, like ["postgres", "-p", "${PORT}"]';
export const RunKey = Type.Array(Type.String({ expected: 'a string' }), {
  minItems: 1,
  message: (v: unknown) => (Array.isArray(v) && v.length === 0 ? 'run is empty: it needs at least the executable, like ["./server"]' : `expected ${RUN}, got ${describe(v)}`),
});

/** `[cell] ports`: names the nucleus allocates a free port for, or a table of fixed ports (0: allocated). */
export const PortsKey = Type.Union(
  [
    Type.Array(Type.String({ pattern: PORT_NAME, expected: `a port name (${PORT_NAME_WORDING})` }), { uniqueItems: true }),
    Type.Record(Type.String(), wholeNumber(0, 65535, { expected: 'a port from 1 to 65535, or 0 for one the nucleus picks' }), {
      propertyNames: { pattern: PORT_NAME, message: () => PORT_NAME_WORDING },
    }),
  ],
  { expected: 'an array of port names like ["http", "admin"], or a table like { http = 8080 }' },
);

/** `[cell] user`: a user of this machine the process runs as (the nucleus must be root to switch). */
export const UserKey = Type.String({ pattern: '^[a-z_][a-z0-9_-]{0,31}$', expected: 'a user name of this machine, like "postgres"' });

function regexProblem(v: string): string | undefined {
  try {
    new RegExp(v);
    return undefined;
  } catch (err) {
    return `not a regular expression: ${(err as Error).message}`;
  }
}

const READY_KINDS = ['tcp', 'unix', 'http', 'exec', 'log'] as const;

/** `[life_cycle] ready`: exactly one way to tell the process is ready. */
export const ReadyKey = Type.Refine(
  table(
    {
      tcp: Type.Optional(Type.Union([wholeNumber(1, 65535), Type.String({ minLength: 1 })], { expected: 'a port, or "${PORT}"' })),
      unix: Type.Optional(Type.String({ minLength: 1, expected: 'a socket path, relative to the cell' })),
      http: Type.Optional(Type.String({ pattern: '^(/|https?://)', expected: 'a path like "/health" (on the first port), or an http:// URL' })),
      exec: Type.Optional(Type.Array(Type.String(), { minItems: 1, expected: 'a command like ["pg_isready", "-p", "${PORT}"]' })),
      log: Type.Optional(Type.Refine(Type.String({ minLength: 1 }), (v) => regexProblem(v) === undefined, (v) => regexProblem(v)!)),
    },
    { expected: 'a table like { tcp = "${PORT}" }, { unix = "run/x.sock" }, { http = "/health" }, { exec = [...] } or { log = "regex" }' },
  ),
  (t) => READY_KINDS.filter((k) => k in t).length === 1,
  (t) => `give exactly one of ${READY_KINDS.join(', ')}; got ${READY_KINDS.filter((k) => k in (t as object)).join(' and ') || 'none'}`,
);

/** `[life_cycle] activation`: `"start"` (with the tree) or `"socket"` (on the first connection to a port, systemd-style). */
export const ActivationKey = Type.Union([Type.Literal('start'), Type.Literal('socket')], { expected: '"start" (with the tree) or "socket" (on the first connection, as LISTEN_FDS)' });

/** `[build]`: how a process cell's sources become what it runs (the author's own command). */
export const BuildTable = table({
  run: RunKey,
  timeout: duration({ default: '10m', minMs: 1000 }),
});

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL'] as const;

/** `[life_cycle] stop_signal`: what a process cell is sent to stop (then SIGKILL after `grace`). */
export const StopSignalKey = Type.Union(
  SIGNALS.map((s) => Type.Literal(s)),
  { expected: `one of ${SIGNALS.join(', ')}` },
);

function readyCheck(raw: Record<string, unknown>): ReadyCheck {
  if ('tcp' in raw) return { kind: 'tcp', port: String(raw['tcp']) };
  if ('unix' in raw) return { kind: 'unix', path: raw['unix'] as string };
  if ('http' in raw) return { kind: 'http', target: raw['http'] as string };
  if ('exec' in raw) return { kind: 'exec', command: raw['exec'] as string[] };
  return { kind: 'log', pattern: raw['log'] as string };
}

/** `[cell] ports` as a list: names in order (the first is also `PORT`), 0 for an allocated one. */
export function buildPorts(ctx: BuildContext): PortSpec[] {
  const raw = ctx.decoded(['cell', 'ports'], PortsKey);
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw.map((name) => ({ name, port: 0 })) : Object.entries(raw).map(([name, port]) => ({ name, port }));
}

/**
 * The process part of a cell: undefined for a Node cell (`entry`) or a group. Keys that only a
 * process cell reads are refused on other cells, and `run` beside `entry` is refused.
 */
export function buildProcess(ctx: BuildContext, ports: readonly PortSpec[]): ProcessConfig | undefined {
  const run = ctx.raw(['cell', 'run']);
  const onlyForProcess: string[][] = [
    ['cell', 'user'],
    ['life_cycle', 'ready'],
    ['life_cycle', 'stop_signal'],
    ['life_cycle', 'activation'],
    ['build'],
  ];
  if (run !== undefined && ctx.raw(['life_cycle', 'memory_trim']) !== undefined) {
    ctx.add(['life_cycle', 'memory_trim'], 'memory_trim applies to a Node cell (one with [cell] entry): the SDK gives its memory back when idle; a process cell\'s memory is its own program\'s');
  }
  if (run === undefined) {
    for (const path of onlyForProcess) {
      if (ctx.raw(path) !== undefined) ctx.add(path, `${path[1] ?? `[${path[0]}]`} applies to a process cell (one with [cell] run); a Node cell is ready when it answers a handshake and drains when asked`);
    }
    return undefined;
  }
  if (ctx.raw(['cell', 'entry']) !== undefined) {
    ctx.add(['cell', 'run'], 'a cell has either entry (a Node module) or run (any executable), not both');
    return undefined;
  }
  const command = ctx.decoded(['cell', 'run'], RunKey);
  if (!command) return undefined;
  if (command[0] === '') {
    ctx.add(['cell', 'run'], 'the executable (the first item) is empty');
    return undefined;
  }
  const ready = ctx.raw(['life_cycle', 'ready']);
  const readyClean = ready !== undefined && ctx.isClean(['life_cycle', 'ready']);
  if (ready !== undefined && !readyClean) return undefined;
  const signal = ctx.decoded(['life_cycle', 'stop_signal'], StopSignalKey);
  if (readyClean && 'http' in (ready as object) && (ready as { http: string }).http.startsWith('/') && ports.length === 0) {
    ctx.add(['life_cycle', 'ready'], 'ready = { http = "/..." } asks on the first port, and the cell declares none: add ports = ["http"], or give a whole http:// URL');
    return undefined;
  }
  const activation = ctx.decoded(['life_cycle', 'activation'], ActivationKey) ?? 'start';
  if (activation === 'socket' && ports.length === 0) {
    ctx.add(['life_cycle', 'activation'], 'socket activation listens on the cell\'s ports, and it declares none: add ports = ["http"]');
    return undefined;
  }
  if (activation === 'start' && ctx.raw(['life_cycle', 'idle_timeout']) !== undefined) {
    ctx.add(['life_cycle', 'idle_timeout'], 'a process cell stopped when idle is started again only by a connection to its ports: add activation = "socket" (and ports)');
    return undefined;
  }
  const build = ctx.decoded(['build'], BuildTable);
  return {
    activation,
    build: build ? { run: build.run, timeoutMs: build.timeout } : undefined,
    run: command,
    user: ctx.decoded(['cell', 'user'], UserKey),
    url: ctx.decoded(['cell', 'url'], Type.String()),
    ready: readyClean ? readyCheck(ready as Record<string, unknown>) : ports.length > 0 ? { kind: 'tcp', port: '${PORT}' } : undefined,
    stopSignal: signal ?? 'SIGTERM',
  };
}
