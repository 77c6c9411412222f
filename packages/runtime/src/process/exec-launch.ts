import { chownSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellConfig, ProcessConfig, ReadyCheck } from '@cell/config';
import type { ReplicaLimits } from '../nucleus/cgroups.ts';
import type { ReplicaLog } from '../nucleus/replica-log.ts';
import type { ExecSpec } from './exec-process.ts';
import { interpolate } from './interpolate.ts';
import { LOCAL_HOST } from './port-allocation.ts';
import type { ReadyProbe } from './ready-probe.ts';
import { dataDir } from './replica-variables.ts';
import { resolveExecutable } from './resolve-executable.ts';
import { runAsUser, type SystemUser } from './system-user.ts';

/** What launching a process cell's replica needs besides its config. */
export interface ExecLaunch {
  replica: string;
  /** The tree's root directory (its `node_modules/.bin` is on the process's PATH). */
  treeRoot: string;
  /** The whole environment: the machine's, the nucleus's launch variables, the replica's own. */
  env: Record<string, string | undefined>;
  limits: ReplicaLimits;
  log: ReplicaLog;
}

function readyProbe(cell: string, check: ReadyCheck | undefined, scope: Record<string, string | undefined>, config: CellConfig, user: SystemUser | undefined, env: Record<string, string>): ReadyProbe {
  const expand = (v: string, key: string) => interpolate(v, scope, { cell, key: `[life_cycle] ready.${key}` });
  if (!check) return { kind: 'started' };
  switch (check.kind) {
    case 'tcp': {
      const port = Number(expand(check.port, 'tcp'));
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CellError('CELL_E_START_FAILED', `cell ${cell}: ready.tcp is not a port: "${check.port}"`);
      return { kind: 'tcp', port };
    }
    case 'unix':
      return { kind: 'unix', path: resolve(config.dir, expand(check.path, 'unix')) };
    case 'http': {
      const target = expand(check.target, 'http');
      return { kind: 'http', url: target.startsWith('/') ? `http://${LOCAL_HOST}:${scope['PORT']}${target}` : target };
    }
    case 'exec':
      return { kind: 'exec', command: check.command.map((a, i) => expand(a, `exec[${i}]`)), cwd: config.dir, env, uid: user?.uid, gid: user?.gid };
    case 'log':
      return { kind: 'log', pattern: new RegExp(check.pattern) };
  }
}

/** The data directory (and `run/`) of a cell that runs as another user belong to that user. */
function prepareDirs(config: CellConfig, user: SystemUser | undefined, treeRoot: string): void {
  const data = dataDir(config);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  if (!user) return;
  chownSync(data, user.uid, user.gid);
  if (resolve(config.dir) !== resolve(treeRoot)) chownSync(join(config.dir, 'run'), user.uid, user.gid); // the root's run/ is the nucleus's
}

/**
 * Everything one process of a process cell starts with: its command with variables expanded
 * and the executable found, its user (and directories owned by it), its PATH (the cell's and
 * the tree's `node_modules/.bin` first), its readiness check. Throws CELL_E_START_FAILED naming
 * the cell and what is wrong; nothing is started then.
 */
export function execSpecFor(config: CellConfig, process: ProcessConfig, launch: ExecLaunch, readyTimeoutMs: number): ExecSpec {
  const cell = config.cell.name;
  const user = runAsUser(cell, process.user, config.dir);
  const bins = [join(config.dir, 'node_modules', '.bin'), join(launch.treeRoot, 'node_modules', '.bin')];
  const path = [...new Set([...bins, ...(launch.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)])].join(delimiter);
  const scope = { ...launch.env, PATH: path };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(scope)) if (v !== undefined) env[k] = v;
  if (user) Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
  const args = process.run.map((a, i) => interpolate(a, scope, { cell, key: `run[${i}]` }));
  const command = [resolveExecutable(cell, args[0]!, config.dir, path), ...args.slice(1)];
  prepareDirs(config, user, launch.treeRoot);
  return {
    cell,
    replicaId: launch.replica,
    cwd: config.dir,
    command,
    env,
    user,
    limits: launch.limits,
    log: launch.log,
    ready: readyProbe(cell, process.ready, scope, config, user, env),
    readyTimeoutMs,
    stopSignal: process.stopSignal as NodeJS.Signals,
  };
}
