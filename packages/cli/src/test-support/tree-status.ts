import type { CellStatus, ReplicaStatus, TreeStatus } from '@cell/host';

/** A hand-made replica status (ready, up 5 s) with `overrides`. */
export function replicaStatus(id: string, overrides: Partial<ReplicaStatus> = {}): ReplicaStatus {
  const index = Number(id.split('-').at(-1)) || 0;
  return {
    id,
    index,
    state: 'ready',
    pid: 4000 + index,
    restarts: 0,
    startedAt: 1_700_000_000_000,
    uptimeMs: 5000,
    rssBytes: 64 * 2 ** 20,
    socket: `run/${id}.sock`,
    ports: {},
    axonPort: null,
    logError: null,
    calls: null,
    lastExit: null,
    ...overrides,
  };
}

/** A hand-made cell status: ready with one ready replica unless `overrides` say otherwise. */
export function cellStatus(name: string, overrides: Partial<CellStatus> = {}): CellStatus {
  const state = overrides.state ?? 'ready';
  return {
    name,
    version: '1.0.0',
    dir: `/trees/shop/cells/${name}`,
    parent: null,
    state,
    replicasWanted: state === 'group' ? 0 : 1,
    idleTimeoutMs: null,
    limits: { memoryBytes: null, cpu: null, enforcedBy: 'none', warning: null },
    replicas: state === 'group' ? [] : [replicaStatus(`${name}-0`)],
    failure: null,
    deps: {},
    methods: {},
    ...overrides,
  };
}

/** A hand-made running tree of `cells`. */
export function treeStatus(cells: CellStatus[], overrides: Partial<TreeStatus> = {}): TreeStatus {
  return {
    version: 1,
    root: '/trees/shop',
    nucleus: { pid: 4711, startedAt: 1_700_000_000_000, uptimeMs: 65_000, phase: 'running' },
    cells,
    gateway: null,
    metrics: null,
    dashboard: null,
    network: null,
    ...overrides,
  };
}

type NetworkStatus = NonNullable<TreeStatus['network']>;

/** A hand-made network section (fields a test does not name keep empty defaults). */
export function networkStatus(overrides: Partial<NetworkStatus>): NetworkStatus {
  return { node: '12D3KooWnode', directory: [], p2p: [], peers: 0, known: [], ...overrides } as NetworkStatus;
}
