import { Type, type Static } from 'typebox';
import { defineContract, unary } from '@cell/contract';

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
  socket: Nullable(Type.String({ description: 'socket path relative to the cell directory, e.g. run/inventory-2.sock; null for a process cell (it is reached at its ports)' })),
  ports: Type.Record(Type.String(), Type.Integer(), { description: 'the ports the nucleus gave it, by name (`[cell] ports`); empty when none' }),
  axonPort: Nullable(Type.Integer({ description: 'TCP port other nodes call this replica on, when it serves the network' })),
  logError: Nullable(Type.String({ description: 'why lines of its log could not be written (a full disk, an unwritable log/), if they could not' })),
  calls: Nullable(
    Type.Object(
      {
        served: Type.Integer({ description: 'calls the process served (or refused), since it started' }),
        failed: Type.Integer({ description: 'of those, the ones that ended with an error' }),
        inFlight: Type.Integer({ description: 'calls being handled now' }),
        connections: Type.Integer({ description: 'caller connections open now' }),
        axonConnections: Type.Integer({ description: 'of those, the ones from other nodes (axons)' }),
        buckets: Type.Array(Type.Number(), { description: 'its calls per duration bucket, all methods together (docs/metrics.md), not cumulative' }),
      },
      { description: 'what the process reports of its calls; null in the quick status (live views) and for a process cell' },
    ),
  ),
  lastExit: Nullable(
    Type.Object({
      code: Nullable(Type.Integer()),
      signal: Nullable(Type.String()),
      reason: ExitReason,
      at: Type.Number(),
      cause: Nullable(Type.String({ description: 'the line of its last output that says why it ended (an error message, not the stack or the Node version footer), if one does' })),
      logTail: Type.Array(Type.String(), { description: 'last log lines of the process' }),
    }),
  ),
});

/** One candidate of a dependency, as the racer sees it. */
export const Candidate = Type.Object({
  endpoint: Type.String({ description: 'a local socket path, or axon://node@host:port' }),
  local: Type.Boolean(),
  node: Nullable(Type.String()),
  connected: Type.Boolean(),
  latencyMs: Nullable(Type.Number({ description: 'round trip, peak EWMA' })),
  inFlight: Type.Integer(),
  score: Nullable(Type.Number({ description: 'lower wins: latency x (calls in flight + 1), remote x1.5' })),
  calls: Type.Integer(),
  share: Type.Number({ description: 'fraction of the calls to this dependency it served' }),
});

/** The calls one method served: outcomes, and durations in the buckets of the cell's wire layer (not cumulative; the last is slower than every bound). */
export const MethodCalls = Type.Object({
  ok: Type.Integer(),
  errors: Type.Record(Type.String(), Type.Integer(), { description: 'calls that failed, by error code' }),
  buckets: Type.Array(Type.Number(), { description: 'calls per duration bucket (docs/metrics.md), not cumulative' }),
  sumMs: Type.Number(),
});
export type MethodCalls = Static<typeof MethodCalls>;

/** One call a replica served (or refused), as `cell trace` shows it (docs/traces.md). */
export const Span = Type.Object({
  trace: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'the request, 32 hex characters' }),
  span: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'this call, 16 hex characters' }),
  parent: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$', description: "the span of the call whose handler made this one; absent at the trace's root" })),
  method: Type.String({ maxLength: 255 }),
  start: Type.Number({ description: 'when the call arrived, epoch ms' }),
  durationMs: Type.Number(),
  outcome: Type.String({ description: '`ok`, or the error code' }),
  caller: Type.Optional(Type.String({ description: 'the calling cell' })),
  node: Type.Optional(Type.String({ description: 'the calling node, over an axon' })),
});
export type Span = Static<typeof Span>;

/** A span with the replica that recorded it. */
export const ReplicaSpan = Type.Object({
  ...Span.properties,
  cell: Type.String(),
  replica: Type.String(),
  recordedBy: Type.Optional(Type.String({ description: 'the node whose replica recorded it, when that is another node' })),
});
export type ReplicaSpan = Static<typeof ReplicaSpan>;

export const CellStatus = Type.Object({
  name: Type.String(),
  version: Type.String({ description: 'the version it runs: from its genome (cell.toml before its first build); an old major kept beside a newer one shows its own' }),
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
  deps: Type.Record(Type.String(), Type.Array(Candidate), {
    description: "per dependency, the racer's candidates (summed over this cell's replicas)",
  }),
  methods: Type.Record(
    Type.String(),
    MethodCalls,
    { description: "per method, the calls its replicas' processes served (summed; a restarted process starts again from 0)" },
  ),
});

/** `cell status --json`: stable, documented in docs/status.md. */
export const TreeStatus = Type.Object({
  version: Type.Literal(1),
  root: Type.String(),
  nucleus: Type.Object({
    pid: Type.Integer(),
    startedAt: Type.Number(),
    uptimeMs: Type.Number(),
    phase: Type.Union([Type.Literal('starting'), Type.Literal('running'), Type.Literal('stopping')], {
      description: 'starting: joining the network, building, starting cells; running: start-up is over',
    }),
    sparePid: Type.Optional(
      Type.Integer({ description: 'the pre-started Node process the next Node cell to start becomes, while one waits (a tree with a cell that sleeps when idle keeps one)' }),
    ),
  }),
  cells: Type.Array(CellStatus),
  gateway: Nullable(
    Type.Object({ url: Type.String({ description: 'where the HTTP door listens' }), cells: Type.Array(Type.String(), { description: 'the cells it serves' }) }, { description: 'the tree\'s HTTP door ([gateway]), once open' }),
  ),
  metrics: Nullable(Type.Object({ url: Type.String({ description: 'where Prometheus scrapes the tree (docs/metrics.md)' }) }, { description: "the tree's metrics endpoint ([observe] metrics), once open" })),
  dashboard: Nullable(Type.Object({ url: Type.String({ description: 'the page to open (with its token when bound beyond loopback)' }) }, { description: "the tree's web dashboard ([observe] dashboard), once open" })),
  network: Nullable(
    Type.Object({
      node: Type.String({ description: 'this node: its key, a peer id' }),
      directory: Type.Array(Type.String(), { description: 'host:port other nodes reach its directory on' }),
      p2p: Type.Array(Type.String(), { description: 'libp2p multiaddrs (for bootstrap lists)' }),
      peers: Type.Integer({ description: 'libp2p peers connected' }),
      known: Type.Array(
        Type.Object({ node: Type.String(), cells: Type.Array(Type.String()), via: Type.String(), ageMs: Type.Number() }),
        { description: 'other nodes and what they serve' },
      ),
      refused: Type.Array(Type.Object({ node: Type.String(), cell: Type.String(), reason: Type.String(), at: Type.Number() }), {
        description: 'nodes that serve a dependency of this tree but are not trusted to: never sent a call',
      }),
    }),
  ),
});

export type TreeStatus = Static<typeof TreeStatus>;
export type CellStatus = Static<typeof CellStatus>;
export type ReplicaStatus = Static<typeof ReplicaStatus>;

/** A cell served by another node: where to reach it and which genome it serves. */
export const RemoteCandidate = Type.Object({
  node: Type.String({ description: 'the serving node (its key, a peer id)' }),
  host: Type.String(),
  port: Type.Integer(),
  version: Type.String(),
  fingerprint: Type.String(),
});
export type RemoteCandidate = Static<typeof RemoteCandidate>;

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
      input: Type.Object({
        cell: CellRef.properties.cell,
        typecheck: Type.Optional(Type.Boolean({ description: 'false: rebuild without type-checking (`--no-typecheck`); default: as the tree was started' })),
      }),
      output: Type.Object({
        replaced: Type.Integer(),
        rebuilt: Type.Boolean(),
        keptMajor: Type.Union([Type.Integer(), Type.Null()], { description: 'old major version kept running beside the new one, if any' }),
      }),
      errors: {
        NoSuchCell: Type.Object({ cell: Type.String() }),
        ReloadFailed: Type.Object({ reason: Type.String(), code: Type.Union([Type.String(), Type.Null()], { description: 'the CELL_E_* code of the cause' }) }),
      },
    }),
    restart: unary({
      description: 'Replaces the replicas of a cell one by one with new processes of its current build (nothing is rebuilt), without dropping calls.',
      input: CellRef,
      output: Type.Object({ replaced: Type.Integer({ description: 'replicas that were serving and were replaced' }) }),
      errors: {
        NoSuchCell: Type.Object({ cell: Type.String() }),
        RestartFailed: Type.Object({ reason: Type.String(), code: Type.Union([Type.String(), Type.Null()], { description: 'the CELL_E_* code of the cause' }) }),
      },
    }),
    scale: unary({
      description:
        "Runs a cell with this many replicas from now on: new ones are started (the call returns once they are ready), the highest ones drained. Asked by a cell of its own sub-cells (the caller's name must be the target's parent), within the tree root's [resources].",
      input: Type.Object({ cell: CellRef.properties.cell, replicas: Type.Integer({ minimum: 1, maximum: 1000 }) }),
      output: Type.Object({ replicas: Type.Integer(), ready: Type.Integer({ description: 'ready replicas' }) }),
      errors: {
        NoSuchCell: Type.Object({ cell: Type.String() }),
        NotYourCell: Type.Object({ cell: Type.String(), parent: Type.Union([Type.String(), Type.Null()]), caller: Type.Union([Type.String(), Type.Null()]) }),
        OverCapacity: Type.Object({ resource: Type.String(), asked: Type.Number(), allowed: Type.Number() }),
        ScaleFailed: Type.Object({ reason: Type.String() }),
      },
    }),
    stopCell: unary({
      description: "Stops one cell (its replicas drain); `start` (or a call to it) starts it again. Asked by a cell of its own sub-cells: the caller's name must be the target's parent.",
      input: CellRef,
      output: Type.Object({}),
      errors: {
        NoSuchCell: Type.Object({ cell: Type.String() }),
        NotYourCell: Type.Object({ cell: Type.String(), parent: Type.Union([Type.String(), Type.Null()]), caller: Type.Union([Type.String(), Type.Null()]) }),
      },
    }),
    stop: unary({ description: 'Stops the whole tree gracefully.', input: Type.Object({}), output: Type.Object({}) }),
    spans: unary({
      description: "Recent spans of the calls the tree's replicas served: one trace's, or the newest of all (docs/traces.md).",
      input: Type.Object({
        trace: Type.Optional(Type.String({ pattern: '^[0-9a-f]{1,32}$', description: 'a trace id or a prefix of one (hex)' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'at most this many spans per replica (default 1000)' })),
      }),
      output: Type.Object({
        spans: Type.Array(ReplicaSpan, { description: 'oldest first' }),
        unanswered: Type.Array(Type.String(), { description: 'running replicas that did not answer in time' }),
      }),
    }),
    resolve: unary({
      description: 'Candidates on other nodes for a cell (by name and major version), for the racer.',
      input: Type.Object({
        name: Type.String(),
        major: Type.Union([Type.Integer(), Type.Null()]),
        via: Type.Union([Type.String(), Type.Null()], { description: 'a static axon:// address to ask, if the dependency has one' }),
        trusted: Type.Union([Type.Array(Type.String()), Type.Null()], {
          description: 'node keys allowed to serve it (null: whoever answers at `via`, whose key the caller pins)',
        }),
      }),
      output: Type.Object({
        candidates: Type.Array(RemoteCandidate, { description: 'trusted candidates only' }),
        refused: Type.Array(Type.Object({ node: Type.String(), reason: Type.String() }), { description: 'nodes that serve it but are not trusted' }),
      }),
    }),
  },
});
