import { Type, type Static } from 'typebox';
import { defineContract, unary } from './contract.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** Why a replica process last ended. */
export const ExitReason = Type.Union([
  Type.Literal('crash'),
  Type.Literal('oom'),
  Type.Literal('idle'),
  Type.Literal('stopped'),
  Type.Literal('reload'),
  Type.Literal('start-failed'),
]);

export const ReplicaStatus = Type.Object({
  id: Type.String({ description: 'replica id, e.g. inventory-2' }),
  index: Type.Integer(),
  state: Type.Union(
    [
      Type.Literal('starting'),
      Type.Literal('ready'),
      Type.Literal('backoff'),
      Type.Literal('failed'),
      Type.Literal('idle'),
      Type.Literal('stopping'),
      Type.Literal('stopped'),
    ],
    { description: 'starting | ready | backoff (waiting to restart) | failed | idle | stopping | stopped' },
  ),
  pid: Nullable(Type.Integer()),
  restarts: Type.Integer({ description: 'restarts since the tree started' }),
  startedAt: Nullable(Type.Number({ description: 'epoch ms the current process started' })),
  uptimeMs: Nullable(Type.Number()),
  rssBytes: Nullable(Type.Number()),
  socket: Type.String({ description: 'socket path relative to the cell directory, e.g. run/inventory-2.sock' }),
  lastExit: Nullable(
    Type.Object({
      code: Nullable(Type.Integer()),
      signal: Nullable(Type.String()),
      reason: ExitReason,
      at: Type.Number(),
      logTail: Type.Array(Type.String(), { description: 'last log lines of the process' }),
    }),
  ),
});

export const CellStatus = Type.Object({
  name: Type.String(),
  dir: Type.String({ description: 'absolute directory' }),
  parent: Nullable(Type.String({ description: 'name of the parent cell in the tree' })),
  state: Type.Union(
    [
      Type.Literal('building'),
      Type.Literal('starting'),
      Type.Literal('ready'),
      Type.Literal('degraded'),
      Type.Literal('failed'),
      Type.Literal('idle'),
      Type.Literal('stopping'),
      Type.Literal('stopped'),
      Type.Literal('group'),
    ],
    { description: 'ready: all replicas ready; degraded: some; failed: past its restart limit; idle: exited after idle_timeout; group: no entry, only sub-cells' },
  ),
  replicasWanted: Type.Integer(),
  idleTimeoutMs: Nullable(Type.Number()),
  limits: Type.Object({
    memoryBytes: Nullable(Type.Number()),
    cpu: Nullable(Type.Number()),
    enforcedBy: Type.Union([Type.Literal('cgroup-v2'), Type.Literal('cgroup-v1'), Type.Literal('none')]),
    warning: Nullable(Type.String()),
  }),
  replicas: Type.Array(ReplicaStatus),
  failure: Nullable(Type.String({ description: 'why the cell is failed, if it is' })),
});

/** `cell status --json`: stable, documented in docs/status.md. */
export const TreeStatus = Type.Object({
  version: Type.Literal(1),
  root: Type.String(),
  nucleus: Type.Object({ pid: Type.Integer(), startedAt: Type.Number(), uptimeMs: Type.Number() }),
  cells: Type.Array(CellStatus),
});

export type TreeStatus = Static<typeof TreeStatus>;
export type CellStatus = Static<typeof CellStatus>;
export type ReplicaStatus = Static<typeof ReplicaStatus>;

const CellRef = Type.Object({ cell: Type.String({ description: 'cell name or absolute directory' }) });

/** The control surface of a running tree, served by its nucleus on `run/nucleus.sock`. */
export const nucleusContract = defineContract({
  name: 'nucleus',
  version: '1.0.0',
  description: 'Supervisor of a running tree of cells.',
  methods: {
    status: unary({ input: Type.Object({}), output: TreeStatus }),
    start: unary({
      description: 'Starts a cell that is not running (idle or stopped) and waits until it is ready.',
      input: CellRef,
      output: Type.Object({ ready: Type.Integer({ description: 'ready replicas' }) }),
      errors: { NoSuchCell: Type.Object({ cell: Type.String() }), StartFailed: Type.Object({ reason: Type.String() }) },
    }),
    reload: unary({
      description: 'Rebuilds a cell and replaces its replicas one by one without dropping calls.',
      input: CellRef,
      output: Type.Object({
        replaced: Type.Integer(),
        rebuilt: Type.Boolean(),
        keptMajor: Type.Union([Type.Integer(), Type.Null()], { description: 'old major version kept running beside the new one, if any' }),
      }),
      errors: { NoSuchCell: Type.Object({ cell: Type.String() }), ReloadFailed: Type.Object({ reason: Type.String() }) },
    }),
    stop: unary({ description: 'Stops the whole tree gracefully.', input: Type.Object({}), output: Type.Object({}) }),
  },
});
