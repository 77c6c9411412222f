import type { TreeNode } from '@cell/config';
import { CellError } from '@cell/protocol';
import { type CapsidReadiness, capsidNetworkUnavailable, dependencyVariables, interpolate, LOCAL_HOST, portVariables, type ReplicaPorts } from '@cell/runtime';

/**
 * Where the process cells of a placement listen: from here up, in the placement's own capsid
 * network, where nothing else binds — so the numbers are simply counted, never probed.
 */
const FIRST_PORT = 10_000;
/** Where a placed cell finds its data directory and a place for its sockets, inside its capsid. */
export const PLACED_DATA = '/cell/data';
const PLACED_RUN = '/tmp';
/** A process cell's `PATH` in its capsid (`${PATH}` in its `[env]` expands to it). */
const PLACED_PATH = '/cell/node_modules/.bin:/opt/cell/bin:/usr/bin:/bin';
/** The highest port there is. */
const MAX_PORT = 65_535;
/** Characters with a meaning in a regular expression. */
const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/;

function startFailed(n: TreeNode, message: string, key?: string): CellError {
  return new CellError('CELL_E_START_FAILED', `cell ${n.name}: ${message}`, { details: { cell: n.name, ...(key ? { key } : {}) } });
}

/**
 * Refuses a tree with process cells (`cells`, by name) on a donor that cannot run them
 * (`why`: by default, what keeps this machine from making capsid networks) with
 * CELL_E_CAPSID_UNAVAILABLE naming them. Nothing to refuse without process cells.
 */
export function assertRunsProcessCells(tree: string, cells: readonly string[], why: () => string | undefined = capsidNetworkUnavailable): void {
  const reason = cells.length > 0 ? why() : undefined;
  if (!reason) return;
  throw new CellError('CELL_E_CAPSID_UNAVAILABLE', `tree ${tree} has process cells (${cells.join(', ')}) this donor cannot run: ${reason}`, {
    details: { reasons: [reason], cells: [...cells] },
  });
}

/** The ports of a placement's process cells, by cell name, counted up from `FIRST_PORT`. */
export class PlacementPorts {
  private next = FIRST_PORT;
  private readonly taken = new Set<number>();
  private readonly byCell = new Map<string, ReplicaPorts[]>();

  /** Gives each replica of `n` its ports: a fixed number as declared (one replica only), else the next free one. */
  allocate(n: TreeNode, replicas: number): ReplicaPorts[] {
    const fixed = n.config.ports.filter((p) => p.port !== 0);
    if (fixed.length > 0 && replicas > 1) throw startFailed(n, `fixed port ${fixed[0]!.name} = ${fixed[0]!.port} cannot serve ${replicas} replicas`, 'ports');
    for (const p of fixed) {
      if (this.taken.has(p.port)) throw startFailed(n, `port ${p.name} = ${p.port} is taken by another cell of the tree`, 'ports');
      this.taken.add(p.port);
    }
    const out: ReplicaPorts[] = [];
    for (let r = 0; r < replicas; r++) {
      out.push(
        n.config.ports.map((p) => {
          if (p.port !== 0) return { name: p.name, port: p.port };
          while (this.taken.has(this.next)) this.next++;
          if (this.next > MAX_PORT) throw startFailed(n, `the placement has no ports left (above ${FIRST_PORT})`, 'ports');
          this.taken.add(this.next);
          return { name: p.name, port: this.next++ };
        }),
      );
    }
    this.byCell.set(n.name, out);
    return out;
  }

  /** `CELL_DEP_<NAME>_*` of `n`'s dependencies that are process cells with ports (the addresses inside the placement's network). */
  dependencyEnv(n: TreeNode): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, dep] of Object.entries(n.deps)) {
      const ports = this.byCell.get(dep.name);
      if (ports && dep.config.process) Object.assign(env, dependencyVariables(name, dep.config, ports, {}));
    }
    return env;
  }
}

/** What a process cell's capsid runs: its command, its whole environment, its readiness and its stop signal. */
export interface PlacedProcessLaunch {
  command: string[];
  env: Record<string, string>;
  ready: CapsidReadiness;
  stopSignal: NodeJS.Signals;
}

function readiness(n: TreeNode, scope: Record<string, string>, ports: ReplicaPorts): CapsidReadiness {
  const check = n.config.process!.ready;
  const expand = (v: string, key: string) => interpolate(v, scope, { cell: n.name, key: `[life_cycle] ready.${key}` });
  if (!check) return ports[0] ? { kind: 'tcp', port: ports[0].port } : { kind: 'started' };
  switch (check.kind) {
    case 'tcp': {
      const port = Number(expand(check.port, 'tcp'));
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw startFailed(n, `ready.tcp is not a port: "${check.port}"`, '[life_cycle] ready');
      return { kind: 'tcp', port };
    }
    case 'http': {
      const target = expand(check.target, 'http');
      const url = target.startsWith('/') ? `http://${LOCAL_HOST}:${ports[0]!.port}${target}` : target; // a path needs ports (cell.toml says so)
      if (!url.startsWith('http://')) throw startFailed(n, `ready.http on a donor must be http:// (inside the placement's network): "${target}"`, '[life_cycle] ready');
      return { kind: 'http', url };
    }
    case 'log':
      // The donor matches what the cell writes: a regular expression could stall it for good (catastrophic backtracking).
      if (REGEX_SYNTAX.test(check.pattern)) throw startFailed(n, `ready.log on a donor is plain text, matched as written; "${check.pattern}" has regular-expression syntax`, '[life_cycle] ready');
      return { kind: 'log', text: check.pattern };
    case 'unix':
    case 'exec':
      throw startFailed(n, `ready = { ${check.kind} = ... } is not available on donors (a probe would reach into the capsid); use tcp, http or log`, '[life_cycle] ready');
  }
}

/**
 * A process cell's launch in a capsid, as `cell mitosis` would start it but with sandbox paths
 * and nothing of the donor's environment: `CELL_NAME`, `CELL_REPLICA`, `CELL_DATA`, `CELL_RUN`,
 * its ports, its dependencies' addresses, then `[env]` in order, each expanded against what came
 * before. Refused with CELL_E_START_FAILED: `[secrets]` (a donor sees everything a cell holds),
 * socket activation, and readiness probes that would reach into the capsid.
 */
export function placedProcessLaunch(n: TreeNode, replica: string, ports: ReplicaPorts, depEnv: Readonly<Record<string, string>>, launchEnv: Readonly<Record<string, string>>): PlacedProcessLaunch {
  const process = n.config.process!;
  if (Object.keys(n.config.secrets).length > 0) throw startFailed(n, '[secrets] are not given to cells placed on donors: a donor sees everything a cell holds', '[secrets]');
  if (process.activation === 'socket') throw startFailed(n, 'activation = "socket" is not available on donors', '[life_cycle] activation');
  const env: Record<string, string> = {
    ...launchEnv,
    CELL_NAME: n.name,
    CELL_REPLICA: replica,
    PATH: PLACED_PATH,
    HOME: PLACED_DATA,
    CELL_DATA: PLACED_DATA,
    CELL_RUN: PLACED_RUN,
    ...portVariables(ports),
    ...depEnv,
  };
  for (const [name, template] of Object.entries(n.config.env)) env[name] = interpolate(template, env, { cell: n.name, key: `[env] ${name}` });
  const command = process.run.map((a, i) => interpolate(a, env, { cell: n.name, key: `run[${i}]` }));
  return { command, env, ready: readiness(n, env, ports), stopSignal: process.stopSignal as NodeJS.Signals };
}
