import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { CellError } from '@cell/protocol';
import { ResourceLimiter } from '../nucleus/cgroups.ts';
import { MAIN_FILE } from '../ribosome/build-cell.ts';
import { bwrapArgs, systemEntries } from './bwrap-args.ts';
import { buildInCapsid, type CapsidBuildResult, type CapsidBuildSpec } from './capsid-build.ts';
import { type CapsidContext, type CapsidResources, enforcedLimits, procsFiles } from './capsid-context.ts';
import { type CapsidProbe, capsidUnavailable, probeCapsid, SANDBOX_NODE } from './capsid-probe.ts';
import type { CapsidNetwork } from './capsid-network.ts';
import { CapsidProcess, type CapsidProcessOptions } from './capsid-process.ts';
import { type CapsidReadiness, probeEveryMs, readinessProbe } from './capsid-readiness.ts';
import { httpProber } from './http-probe.ts';
import { identityFiles } from './identity-files.ts';
import { assertReachable, ownedDir } from './host-paths.ts';
import { InheritedSocket } from './inherited-socket.ts';
import { spawnSandboxed } from './sandbox-spawn.ts';

/** The unprivileged host uid (and gid) capsids run as when the donor runs as root: `nobody`. */
export const DEFAULT_SANDBOX_UID = 65534;
/** Where a running cell sees its code, and its own writable data directory. */
const SANDBOX_CELL_DIR = '/cell';
const SANDBOX_DATA_DIR = '/data';
/** Descriptor of the inherited listening socket inside the capsid (`CELL_SOCKET_FD`). */
const SOCKET_FD = 3;

/** Options of `createCapsidHost`. */
export interface CapsidHostOptions {
  /**
   * Directory holding the capsids' data and build directories. Made `0711` (the sandbox uid
   * may pass through it, not list it); its parents must let that uid through too.
   */
  root: string;
  /** bubblewrap's executable; default `bwrap` on `PATH`. */
  bwrap?: string | undefined;
  /** Host uid and gid of sandboxed processes when this process is root. Default 65534 (`nobody`). */
  uid?: number | undefined;
  gid?: number | undefined;
  /** The Node binary capsids run. Default: the one running this process. */
  nodePath?: string | undefined;
  /** cgroup mount (tests). */
  cgroupRoot?: string | undefined;
}

/** One cell to run in a capsid. */
export interface CapsidRunSpec {
  cell: string;
  replica: string;
  /** The built cell (bundle, and any `node_modules` it loads), bound read-only at `/cell`. */
  codeDir: string;
  /** Entry, relative to `codeDir`. Default `.cell/build/main.mjs`. */
  main?: string | undefined;
  /** The cell's own writable directory, bound at `/data` (made, and given to the sandbox uid). */
  dataDir: string;
  /**
   * Where the data directory appears inside instead of `/data`: e.g. `/cell/data`, so a cell that
   * writes `data/` relative to its directory (as under `cell mitosis`) finds it writable. A path
   * inside `/cell` must exist in the code directory.
   */
  dataMount?: string | undefined;
  /** More host paths bound read-only, `[hostPath, sandboxPath]` (e.g. dependencies' socket directories). */
  readOnly?: ReadonlyArray<readonly [string, string]> | undefined;
  /**
   * Where callers reach the cell: the host binds it here and the cell inherits only its
   * descriptor. Required for a Node cell; a process cell (`command`) has none.
   */
  socket?: string | undefined;
  /**
   * A process cell: this argv (sandbox paths, or a name on `PATH`: the cell's
   * `node_modules/.bin`, Node, the host's `/usr/bin`) runs instead of Node and `main`. It gets no
   * socket; it also sees an `/etc/passwd` and `/etc/group` naming only root and its own user
   * (programs such as PostgreSQL look their user up); `ready` says when it is ready.
   */
  command?: readonly string[] | undefined;
  /** A process cell's readiness (tcp and http need `network`). Default: ready once started. */
  ready?: CapsidReadiness | undefined;
  /** Sent to the cell's process to drain it. Default SIGTERM. */
  stopSignal?: NodeJS.Signals | undefined;
  /** A network shared with other capsids (a placement's): joined instead of a network of its own. */
  network?: CapsidNetwork | undefined;
  resources: CapsidResources;
  /** More launch variables (`CELL_GRACE_MS`, `CELL_IDLE_TIMEOUT_MS`, `CELL_LOG_LEVEL`, ...). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Node flags. */
  execArgv?: readonly string[] | undefined;
  /** Size of its private `/tmp`. Default 64 MiB (counted against its memory too). */
  tmpBytes?: number | undefined;
  /** Default 30 s. */
  readyTimeoutMs?: number | undefined;
}

/** Builds and runs cells in capsids on this machine. */
export interface CapsidHost {
  /** What the probe found (always `ok`: a host is only created where capsids work). */
  readonly probe: CapsidProbe;
  /** Host uid and gid of sandboxed processes. */
  readonly uid: number;
  readonly gid: number;
  /** Starts a cell in a capsid; await `ready` before sending it calls. */
  run(spec: CapsidRunSpec): Promise<CapsidProcess>;
  /** Installs a bundle's dependencies in a capsid without network. */
  build(spec: CapsidBuildSpec): Promise<CapsidBuildResult>;
  /** Removes the host's cgroups (after every capsid exited). */
  close(): void;
}

/**
 * Creates a capsid host, or refuses with `CELL_E_CAPSID_UNAVAILABLE` naming every reason this
 * machine cannot sandbox cells — what `cell donate` must do before it offers anything.
 */
export function createCapsidHost(options: CapsidHostOptions): CapsidHost {
  const isRoot = process.getuid?.() === 0;
  const uid = isRoot ? (options.uid ?? DEFAULT_SANDBOX_UID) : process.getuid!();
  const gid = isRoot ? (options.gid ?? options.uid ?? DEFAULT_SANDBOX_UID) : process.getgid!();
  const nodePath = options.nodePath ?? process.execPath;
  const probe = probeCapsid({ bwrap: options.bwrap, uid, gid, nodePath, cgroupRoot: options.cgroupRoot });
  if (!probe.ok) throw capsidUnavailable(probe);
  const root = resolve(options.root);
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o711);
  assertReachable(join(root, '.'), uid, gid, 'root');
  const group = `capsids-${createHash('sha256').update(root).digest('hex').slice(0, 10)}`;
  const ctx: CapsidContext = {
    bwrap: probe.bwrap!,
    system: systemEntries(),
    uid,
    gid,
    dropTo: isRoot ? { uid, gid } : undefined,
    nodePath,
    limiter: new ResourceLimiter(group, { root: options.cgroupRoot }),
    identity: identityFiles(join(root, '.identity'), uid, gid),
  };
  return {
    probe,
    uid,
    gid,
    run: (spec) => runInCapsid(ctx, spec),
    build: (spec) => buildInCapsid(ctx, spec),
    close: () => ctx.limiter.releaseAll(),
  };
}

/** `PATH`, `HOME` and `TMPDIR` (the given `env` may set its own), the given `env`, then the capsid's own variables. */
function sandboxEnv(spec: CapsidRunSpec, dataMount: string): Record<string, string> {
  const bins = spec.command ? `${SANDBOX_CELL_DIR}/node_modules/.bin:` : '';
  const env = { PATH: `${bins}${dirname(SANDBOX_NODE)}:/usr/bin:/bin`, HOME: dataMount, TMPDIR: '/tmp', ...spec.env, CELL_NAME: spec.cell, CELL_REPLICA: spec.replica };
  return spec.socket === undefined ? env : { ...env, CELL_SOCKET: spec.socket, CELL_SOCKET_FD: String(SOCKET_FD) };
}

async function runInCapsid(ctx: CapsidContext, spec: CapsidRunSpec): Promise<CapsidProcess> {
  const main = spec.main ?? MAIN_FILE;
  if (main.startsWith('/') || main.split('/').includes('..')) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `capsid main must be a path inside the code directory: ${main}`, { details: { main } });
  }
  if ((spec.command === undefined) === (spec.socket === undefined)) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `capsid ${spec.replica}: a Node cell needs a socket, a process cell (command) has none`, { details: { replica: spec.replica } });
  }
  if ((spec.ready?.kind === 'tcp' || spec.ready?.kind === 'http') && !spec.network) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `capsid ${spec.replica}: ${spec.ready.kind} readiness needs a capsid network (a capsid's own reaches no one)`, { details: { replica: spec.replica } });
  }
  assertReachable(spec.codeDir, ctx.uid, ctx.gid, 'code directory');
  ownedDir(spec.dataDir, ctx.uid, ctx.gid);
  assertReachable(spec.dataDir, ctx.uid, ctx.gid, 'data directory');
  const dataMount = spec.dataMount ?? SANDBOX_DATA_DIR;
  if (spec.network) void spec.network.fd; // a closed network fails here, before anything is made
  const limits = enforcedLimits(ctx, spec.replica, spec.resources);
  let socket: InheritedSocket | undefined;
  try {
    if (spec.socket !== undefined) socket = await InheritedSocket.bind(spec.socket, ctx.dropTo);
  } catch (err) {
    limits.release();
    throw err;
  }
  const identity = spec.command ? ctx.identity : [];
  const args = bwrapArgs(
    {
      uid: ctx.uid,
      gid: ctx.gid,
      readOnly: [[ctx.nodePath, SANDBOX_NODE], [spec.codeDir, SANDBOX_CELL_DIR], ...identity, ...(spec.readOnly ?? [])],
      writable: [[spec.dataDir, dataMount]],
      tmpBytes: spec.tmpBytes ?? 64 * 2 ** 20,
      env: sandboxEnv(spec, dataMount),
      cwd: SANDBOX_CELL_DIR,
      command: spec.command ?? [SANDBOX_NODE, ...(spec.execArgv ?? []), `${SANDBOX_CELL_DIR}/${main}`],
      shareNet: spec.network !== undefined,
    },
    ctx.system,
  );
  let child: ChildProcess;
  try {
    // The network's descriptor is read now, as the child is forked with its own copy: closed since, it is refused.
    const netnsFd = spec.network?.fd;
    child = spawnSandboxed({ bwrap: ctx.bwrap, args, cgroupProcs: procsFiles(limits), dropTo: ctx.dropTo, netnsFd, stdio: ['ignore', 'pipe', 'pipe', socket?.fd ?? 'ignore'] });
  } catch (err) {
    socket?.remove();
    limits.release();
    throw err;
  }
  // The child holds the socket now (or failed to start: then nothing holds it and it is removed on exit).
  socket?.releaseOwnCopy();
  if (child.pid === undefined) {
    socket?.remove();
    limits.release();
    const err = await new Promise<Error>((r) => child.once('error', r));
    throw new CellError('CELL_E_CAPSID_UNAVAILABLE', `could not start a capsid: ${err.message}`, { details: { reasons: [err.message] }, cause: err });
  }
  return new CapsidProcess(child, socket, limits, spec.readyTimeoutMs ?? 30_000, { readiness: spec.ready && readinessOf(ctx, spec, spec.ready, child), stopSignal: spec.stopSignal });
}

function readinessOf(ctx: CapsidContext, spec: CapsidRunSpec, ready: CapsidReadiness, child: ChildProcess): CapsidProcessOptions['readiness'] {
  const prober = ready.kind === 'http' ? httpProber(ctx, spec.replica, spec.network!) : undefined;
  const { probe, stop } = readinessProbe(ready, { pid: child.pid!, output: [child.stdout!, child.stderr!], httpGet: (url) => prober!.get(url) });
  return {
    probe,
    everyMs: probeEveryMs(ready),
    stop: () => {
      stop();
      prober?.close();
    },
  };
}
