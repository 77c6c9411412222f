import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CellTree, runsProcess, type TreeNode } from '@cell/config';
import { type Manifest, TARBALL_DIR } from '@cell/publish';
import {
  buildProcessCellSandboxed,
  bundleCellSandboxed,
  type CapsidHost,
  type CapsidNetwork,
  type CapsidRunSpec,
  installCellSandboxed,
  openCapsidNetwork,
} from '@cell/runtime';
import { fetchGenome, type Logger } from '@cell/sdk';
import type { AxonCredentials } from '@cell/wire';
import type { LocalServedCell } from '../node-network.ts';
import { startAxonRelay } from './axon-relay.ts';
import { replicaNeeds } from './donor-capacity.ts';
import { type BundleFetcher, fetchTree } from './fetch-tree.ts';
import { assertRunsProcessCells, PLACED_DATA, PlacementPorts, placedProcessLaunch } from './placed-process.ts';
import { PlacedReplica } from './placed-replica.ts';

/** What a donor lends each placement. */
export interface PlacementContext {
  capsids: CapsidHost;
  content: BundleFetcher;
  /** The donor node's identity: the relays present it to callers. */
  credentials: AxonCredentials;
  /** Address the relays listen on (the node's `[network] listen` host). */
  relayHost: string;
  /** Node keys that may call placed cells. */
  allowedKeys: 'any' | readonly Buffer[];
  allowScripts: boolean;
  log: Logger;
}

/** Tasks a placed replica may run (Node's own threads included). */
const REPLICA_PIDS = 256;
/** Where a capsid finds a dependency's replica sockets: `<DEPS>/<dep name>/run/`. */
const SANDBOX_DEPS = '/deps';

interface PlacedCell {
  node: TreeNode;
  version: string;
  fingerprint: string | undefined;
  replicas: PlacedReplica[];
}

/** Cells of `tree` that run (a Node entry or a process), each after the cells it depends on. */
function startOrder(tree: CellTree): TreeNode[] {
  const order: TreeNode[] = [];
  const seen = new Set<TreeNode>();
  const visit = (n: TreeNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const dep of Object.values(n.deps)) visit(dep);
    if (runsProcess(n.config)) order.push(n);
  };
  for (const n of tree.nodes) visit(n);
  return order;
}

/** Longest a process cell's own `[build] run` may take on a donor, whatever its `[build] timeout` says. */
const DONOR_BUILD_MS = 10 * 60_000;

function donorBuild(build: { run: readonly string[]; timeoutMs: number } | undefined): { run: readonly string[]; timeoutMs: number } | undefined {
  return build && { run: build.run, timeoutMs: Math.min(build.timeoutMs, DONOR_BUILD_MS) };
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export interface PlacementOptions {
  signal?: AbortSignal | undefined;
  /** Storage reserved for the tree's files. */
  maxBytes?: number | undefined;
  /** Awaited once every cell is built, before any runs (a build quorum); throwing abandons the placement. */
  beforeStart?: ((artifacts: Record<string, string>) => Promise<void>) | undefined;
}

/** Timings of a placement, for progress and the bench. */
export interface PlacementTimings {
  fetchMs: number;
  buildMs: number;
  startMs: number;
}

/**
 * A published tree placed on this donor: fetched from its manifest, built in capsids, each cell's
 * replicas running in capsids and reachable by other nodes through relays (the donor terminates
 * axons: a placed cell has no network). Dependencies inside the tree are reached over Unix
 * sockets: each capsid sees its dependencies' socket directories and nothing else of the host.
 */
export class TreePlacement {
  readonly manifest: Manifest;
  readonly cid: string;
  readonly dir: string;
  readonly timings: PlacementTimings;
  private readonly cells: PlacedCell[] = [];
  private readonly network: CapsidNetwork | undefined;
  private readonly ports = new PlacementPorts();

  /**
   * sha256 (hex) of each cell's built bundle: builds are reproducible (same source, same esbuild,
   * same sandbox paths), so donors of one manifest report the same digests.
   */
  readonly artifacts: Readonly<Record<string, string>>;

  private constructor(manifest: Manifest, cid: string, dir: string, timings: PlacementTimings, artifacts: Record<string, string>, network: CapsidNetwork | undefined) {
    this.artifacts = artifacts;
    this.network = network;
    this.manifest = manifest;
    this.cid = cid;
    this.dir = dir;
    this.timings = timings;
  }

  /** A short directory name for a manifest (socket paths must stay under 108 bytes). */
  static dirName(cid: string): string {
    return `p-${createHash('sha256').update(cid).digest('hex').slice(0, 12)}`;
  }

  /**
   * Fetches, builds and starts the tree of a verified manifest under `root`. On any failure what
   * was started is stopped again and the error is thrown.
   */
  static async start(ctx: PlacementContext, manifest: Manifest, cid: string, root: string, options: PlacementOptions = {}): Promise<TreePlacement> {
    const dir = join(root, TreePlacement.dirName(cid));
    const log = ctx.log.child({ tree: manifest.tree.name, manifest: cid });
    let at = performance.now();
    const tree = await fetchTree(ctx.content, manifest, join(dir, 'tree'), options);
    const fetchMs = performance.now() - at;
    at = performance.now();
    const running = startOrder(tree);
    const processes = running.filter((n) => n.config.process !== undefined);
    // Again on the fetched tree (a manifest need not say which cells are process cells), before any build.
    assertRunsProcessCells(manifest.tree.name, processes.map((n) => n.name));
    // One npm cache for the tree's cells: the tarballs they share are added once.
    const npmCache = { dir: join(dir, 'npm-cache'), added: new Set<string>() };
    const spec = (n: TreeNode) => ({ treeRoot: tree.root.dir, cellDir: n.dir, entry: n.config.cell.entry, tarballDir: TARBALL_DIR, allowScripts: ctx.allowScripts, npmCache });
    // Progress of the long part, a line per step (a tree of many cells builds for minutes).
    const step = async <T>(what: string, n: TreeNode, run: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const out = await run();
      log.info({ cell: n.name, ms: Math.round(performance.now() - t) }, what);
      return out;
    };
    for (const n of running) await step('cell installed', n, () => installCellSandboxed(ctx.capsids, spec(n)));
    // What each built cell is, for a build quorum: its bundle's digest, or a process cell's directory's.
    const artifacts: Record<string, string> = {};
    for (const n of running) {
      artifacts[n.name] = n.config.process
        ? await step('cell built', n, () => buildProcessCellSandboxed(ctx.capsids, spec(n), donorBuild(n.config.process!.build), options.maxBytes))
        : sha256File(await step('cell bundled', n, () => bundleCellSandboxed(ctx.capsids, spec(n))));
    }
    const buildMs = performance.now() - at;
    await options.beforeStart?.(artifacts);
    at = performance.now();
    // Process cells listen on TCP: the placement's cells share a network of their own.
    const network = processes.length > 0 ? await openCapsidNetwork() : undefined;
    const placement = new TreePlacement(manifest, cid, dir, { fetchMs, buildMs, startMs: 0 }, artifacts, network);
    try {
      for (const n of running) await placement.startCell(ctx, n, log);
    } catch (err) {
      await placement.stop(0);
      throw err;
    }
    placement.timings.startMs = performance.now() - at;
    return placement;
  }

  private socketDir(n: TreeNode): string {
    return join(this.dir, 'sockets', n.name);
  }

  private async startCell(ctx: PlacementContext, n: TreeNode, log: Logger): Promise<void> {
    const entry = this.manifest.cells.find((c) => c.name === n.name)!;
    const needs = replicaNeeds(entry);
    const deps = Object.entries(n.deps).filter(([, d]) => d.config.cell.entry);
    const cellDeps = JSON.stringify(Object.fromEntries(deps.map(([name, d]) => [name, { name: d.name, dir: `${SANDBOX_DEPS}/${name}` }])));
    const launchEnv = { CELL_GRACE_MS: String(n.config.lifeCycle.graceMs), CELL_DEPS: cellDeps };
    const depEnv = this.ports.dependencyEnv(n);
    const ports = n.config.process ? this.ports.allocate(n, entry.replicas) : [];
    const dataDir = join(this.dir, 'data', n.name);
    mkdirSync(join(this.dir, 'logs'), { recursive: true, mode: 0o700 });
    // The sandbox uid passes through to the socket directories bound into consumers' capsids.
    mkdirSync(join(this.dir, 'sockets'), { recursive: true });
    chmodSync(join(this.dir, 'sockets'), 0o711);
    const cell: PlacedCell = { node: n, version: entry.version, fingerprint: undefined, replicas: [] };
    this.cells.push(cell); // stopped with the others if a replica fails to start
    for (let i = 0; i < entry.replicas; i++) {
      const replica = `${TreePlacement.dirName(this.cid)}.${n.name}-${i}`;
      const base: CapsidRunSpec = {
        cell: n.name,
        replica,
        codeDir: n.dir,
        dataDir,
        dataMount: PLACED_DATA,
        resources: { memoryBytes: needs.memoryBytes, cpu: needs.cpu, pids: REPLICA_PIDS },
        readOnly: deps.map(([name, d]) => [this.socketDir(d), `${SANDBOX_DEPS}/${name}/run`] as const),
        readyTimeoutMs: n.config.lifeCycle.readyTimeoutMs,
        network: this.network,
      };
      const logFile = join(this.dir, 'logs', `${n.name}-${i}.log`);
      if (n.config.process) {
        // A process cell serves its dependents inside the placement's network, never other nodes: no relay.
        cell.replicas.push(new PlacedReplica(ctx.capsids, { ...base, ...placedProcessLaunch(n, replica, ports[i]!, depEnv, launchEnv) }, undefined, logFile, log));
      } else {
        const socket = join(this.socketDir(n), `${n.name}-${i}.sock`);
        const relay = await startAxonRelay({ host: ctx.relayHost, port: 0, credentials: ctx.credentials, allowedKeys: ctx.allowedKeys, target: socket, log });
        cell.replicas.push(new PlacedReplica(ctx.capsids, { ...base, socket, env: { ...launchEnv, ...depEnv } }, relay, logFile, log));
      }
      await cell.replicas.at(-1)!.start();
    }
    if (!n.config.process) cell.fingerprint = (await fetchGenome({ socketPath: join(this.socketDir(n), `${n.name}-0.sock`) }))?.fingerprint;
  }

  /** What this placement serves other nodes: its cells with ready replicas, by relay port. */
  servedCells(): LocalServedCell[] {
    return this.cells
      .filter((c) => c.fingerprint !== undefined)
      .map((c) => ({ name: c.node.name, version: c.version, fingerprint: c.fingerprint!, ports: c.replicas.flatMap((r) => (r.state === 'ready' && r.port !== undefined ? [r.port] : [])) }))
      .filter((c) => c.ports.length > 0);
  }

  /** Each placed replica's state (for the donor's status line and tests). */
  status(): Array<{ cell: string; replica: string; state: string; restarts: number; oomKilled: boolean; processes: number }> {
    return this.cells.flatMap((c) =>
      c.replicas.map((r) => ({ cell: c.node.name, replica: r.id, state: r.state, restarts: r.restarts, oomKilled: r.lastExit?.oomKilled ?? false, processes: r.processCount() })),
    );
  }

  /** Drains every cell, consumers first (each up to `graceMs`), closes the relays, then the placement's network. */
  async stop(graceMs: number): Promise<void> {
    for (const c of [...this.cells].reverse()) await Promise.all(c.replicas.map((r) => r.stop(graceMs)));
    this.network?.close();
  }
}
