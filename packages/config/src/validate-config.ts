import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import {
  type CellConfig,
  type ConfigProblem,
  DEFAULT_GRACE_MS,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_RESTART,
  type DepSpec,
  type NetworkConfig,
  type RemoteDepSpec,
  type Range,
  type SubCellSpec,
} from './cell-config.ts';
import { locateKey } from './key-locator.ts';
import { describe, type Parsed, parseBytes, parseCpu, parseDuration, parseDurationRange } from './units.ts';

type Raw = Record<string, unknown>;

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const ENTRY_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** Collects every problem of one file, each with its line. */
class Report {
  readonly problems: ConfigProblem[] = [];
  private readonly file: string;
  private readonly source: string;

  constructor(file: string, source: string) {
    this.file = file;
    this.source = source;
  }

  add(path: readonly string[], message: string): void {
    this.problems.push({ file: this.file, line: locateKey(this.source, path), key: path.join('.'), message });
  }
}

function isTable(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Closest allowed key within two edits, for "did you mean". */
function suggest(key: string, allowed: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  const best = allowed.map((k) => [k, distance(key, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? best[0] : undefined;
}

/** A sub-table with only `allowed` keys; reports unknown keys. Absent = empty. */
function table(r: Report, raw: unknown, path: string[], allowed: readonly string[]): Raw {
  if (raw === undefined) return {};
  if (!isTable(raw)) {
    r.add(path, `expected a table, got ${describe(raw)}`);
    return {};
  }
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key)) continue;
    const hint = suggest(key, allowed);
    r.add([...path, key], `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${allowed.join(', ')}`);
  }
  return raw;
}

function unit<T>(r: Report, path: string[], parsed: Parsed<T>): T | undefined {
  if (parsed.ok) return parsed.value;
  r.add(path, parsed.message);
  return undefined;
}

function positiveInt(r: Report, raw: unknown, path: string[]): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= 1000) return raw;
  r.add(path, `expected a whole number from 1 to 1000, got ${describe(raw)}`);
  return undefined;
}

/** `x = "1GB"` (a max) or `x = { min = .., max = .. }`. */
function range(r: Report, raw: unknown, path: string[], parse: (v: unknown) => Parsed<number>): Range {
  if (raw === undefined) return { min: undefined, max: undefined };
  if (!isTable(raw)) return { min: undefined, max: unit(r, path, parse(raw)) };
  const t = table(r, raw, path, ['min', 'max']);
  const min = t['min'] === undefined ? undefined : unit(r, [...path, 'min'], parse(t['min']));
  const max = t['max'] === undefined ? undefined : unit(r, [...path, 'max'], parse(t['max']));
  if (min !== undefined && max !== undefined && min > max) r.add(path, 'min is above max');
  return { min, max };
}

function optionalString(r: Report, raw: unknown, path: string[]): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') return raw;
  r.add(path, `expected a string, got ${describe(raw)}`);
  return undefined;
}

function relativeDir(r: Report, dir: string, raw: unknown, path: string[]): string | undefined {
  if (typeof raw !== 'string' || raw === '') {
    r.add(path, `expected a path to a cell directory, got ${describe(raw)}`);
    return undefined;
  }
  const target = isAbsolute(raw) ? raw : resolve(dir, raw);
  if (!existsSync(target) || !statSync(target).isDirectory()) {
    r.add(path, `path "${raw}" does not exist (looked for ${target})`);
    return undefined;
  }
  if (!existsSync(join(target, 'cell.toml'))) {
    r.add(path, `"${raw}" has no cell.toml (looked in ${target})`);
    return undefined;
  }
  return target;
}

const AXON_URL = /^axon:\/\/(?:([1-9A-HJ-NP-Za-km-z]{40,60})@)?([^/:@\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

/** `axon://[peer-id@]host:port` */
function axonUrl(r: Report, raw: unknown, path: string[]): string | undefined {
  if (typeof raw === 'string' && AXON_URL.test(raw) && Number(AXON_URL.exec(raw)![3]) <= 65535) return raw;
  r.add(path, `expected a node address like "axon://10.0.0.7:7700" or "axon://12D3KooW...@10.0.0.7:7700", got ${describe(raw)}`);
  return undefined;
}

function dep(r: Report, dir: string, raw: unknown, path: string[]): DepSpec | RemoteDepSpec | undefined {
  const name = path.at(-1)!;
  const notYet = (what: string) => {
    r.add(path, `${what} dependencies are not supported yet; use a path (e.g. "../${name}") or an axon:// address`);
    return undefined;
  };
  if (typeof raw === 'string') {
    if (raw.startsWith('axon://')) {
      const axon = axonUrl(r, raw, path);
      return axon ? { name, axon, major: undefined } : undefined;
    }
    if (raw.startsWith('git+') || raw.endsWith('.git')) return notYet('git');
    const target = relativeDir(r, dir, raw, path);
    return target ? { kind: 'path', dir: target, replicas: undefined } : undefined;
  }
  if (!isTable(raw)) {
    r.add(path, `expected a path, an axon:// address, or a table like { path = "../x" } or { major = 1 }, got ${describe(raw)}`);
    return undefined;
  }
  const t = table(r, raw, path, ['path', 'replicas', 'git', 'axon', 'major']);
  if (t['git'] !== undefined) return notYet('git');
  const major = t['major'] === undefined ? undefined : positiveInt(r, t['major'], [...path, 'major']) ?? undefined;
  if (t['path'] === undefined) {
    // Served by other nodes: at a static address, or found by name (this key) on the network.
    const axon = t['axon'] === undefined ? undefined : axonUrl(r, t['axon'], [...path, 'axon']);
    if (t['replicas'] !== undefined) r.add([...path, 'replicas'], 'replicas apply to path dependencies only');
    return { name, axon, major };
  }
  const target = relativeDir(r, dir, t['path'], [...path, 'path']);
  const replicas = positiveInt(r, t['replicas'], [...path, 'replicas']);
  return target ? { kind: 'path', dir: target, replicas } : undefined;
}

function hostPort(r: Report, raw: unknown, path: string[], fallback: { host: string; port: number }): { host: string; port: number } {
  if (raw === undefined) return fallback;
  const m = typeof raw === 'string' ? /^(.+):(\d{1,5})$/.exec(raw) : null;
  if (!m || Number(m[2]) > 65535) {
    r.add(path, `expected "host:port" (e.g. "0.0.0.0:7700"), got ${describe(raw)}`);
    return fallback;
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function stringList(r: Report, raw: unknown, path: string[]): string[] {
  if (raw === undefined) return [];
  if (Array.isArray(raw) && raw.every((k) => typeof k === 'string')) return raw;
  r.add(path, `expected an array of strings, got ${describe(raw)}`);
  return [];
}

function network(r: Report, raw: unknown): NetworkConfig | undefined {
  if (raw === undefined) return undefined;
  const t = table(r, raw, ['network'], ['listen', 'p2p', 'bootstrap', 'discovery', 'allowed_keys', 'announce_every']);
  const listen = hostPort(r, t['listen'], ['network', 'listen'], { host: '0.0.0.0', port: 7700 });
  const p2p = hostPort(r, t['p2p'], ['network', 'p2p'], { host: listen.host, port: listen.port === 0 ? 0 : listen.port + 1 });
  const discovery = stringList(r, t['discovery'], ['network', 'discovery']);
  for (const d of discovery) if (!['mdns', 'gossip', 'dht'].includes(d)) r.add(['network', 'discovery'], `unknown discovery "${d}"; expected mdns, gossip, dht`);
  const every = t['announce_every'] === undefined ? 10_000 : unit(r, ['network', 'announce_every'], parseDuration(t['announce_every']));
  return {
    listen,
    p2p,
    bootstrap: stringList(r, t['bootstrap'], ['network', 'bootstrap']),
    discovery: (t['discovery'] === undefined ? ['mdns', 'gossip', 'dht'] : discovery) as NetworkConfig['discovery'],
    allowedKeys: stringList(r, t['allowed_keys'], ['network', 'allowed_keys']),
    announceEveryMs: every ?? 10_000,
  };
}

function subCells(r: Report, dir: string, raw: unknown): Record<string, SubCellSpec> {
  const out: Record<string, SubCellSpec> = {};
  const t = table(r, raw, ['cells'], Object.keys(isTable(raw) ? raw : {}));
  for (const [name, value] of Object.entries(t)) {
    const path = ['cells', name];
    if (typeof value === 'string') {
      const target = relativeDir(r, dir, value, path);
      if (target) out[name] = { dir: target, replicas: undefined, discovered: false };
      continue;
    }
    const entry = table(r, value, path, ['path', 'replicas']);
    const target = relativeDir(r, dir, entry['path'], [...path, 'path']);
    const replicas = positiveInt(r, entry['replicas'], [...path, 'replicas']);
    if (target) out[name] = { dir: target, replicas, discovered: false };
  }
  // Sub-cells in a `cells/` folder are part of the tree without being listed.
  const folder = join(dir, 'cells');
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    const listed = new Set(Object.values(out).map((c) => c.dir));
    for (const name of readdirSync(folder).sort()) {
      const sub = join(folder, name);
      if (listed.has(sub) || !existsSync(join(sub, 'cell.toml'))) continue;
      out[name] ??= { dir: sub, replicas: undefined, discovered: true };
    }
  }
  return out;
}

function entryFile(r: Report, dir: string, raw: unknown, key: 'entry' | 'contract'): string | undefined {
  const entry = optionalString(r, raw, ['cell', key]);
  if (entry === undefined) return undefined;
  const file = resolve(dir, entry);
  if (!ENTRY_EXTENSIONS.some((e) => file.endsWith(e))) {
    r.add(['cell', key], `${key} "${entry}" must be a ${ENTRY_EXTENSIONS.join(', ')} file`);
    return undefined;
  }
  if (!existsSync(file)) {
    r.add(['cell', key], `${key} file "${entry}" does not exist (looked for ${file})`);
    return undefined;
  }
  return file;
}

/** Validates a parsed cell.toml. Returns the config, or every problem found. */
export function validateConfig(
  raw: Raw,
  file: string,
  dir: string,
  source: string,
): { config: CellConfig; problems: [] } | { config: undefined; problems: ConfigProblem[] } {
  const r = new Report(file, source);
  table(r, raw, [], ['cell', 'resources', 'life_cycle', 'deps', 'cells', 'auth', 'network']);

  const cellRaw = table(r, raw['cell'], ['cell'], ['name', 'version', 'entry', 'contract', 'description', 'replicas']);
  if (raw['cell'] === undefined) r.add(['cell'], 'missing [cell] table (it needs at least name and version)');
  const name = cellRaw['name'];
  if (typeof name !== 'string' || !NAME.test(name)) {
    r.add(['cell', 'name'], `expected a kebab-case name (a-z, 0-9, -; starting with a letter), got ${describe(name)}`);
  }
  const version = cellRaw['version'];
  if (typeof version !== 'string' || !SEMVER.test(version)) {
    r.add(['cell', 'version'], `expected a semver version like "1.0.0", got ${describe(version)}`);
  }
  const entry = entryFile(r, dir, cellRaw['entry'], 'entry');
  const contract = cellRaw['contract'] === undefined ? (existsSync(join(dir, 'src', 'contract.ts')) ? join(dir, 'src', 'contract.ts') : undefined) : entryFile(r, dir, cellRaw['contract'], 'contract');
  const description = optionalString(r, cellRaw['description'], ['cell', 'description']);
  const replicas = positiveInt(r, cellRaw['replicas'], ['cell', 'replicas']) ?? 1;

  const res = table(r, raw['resources'], ['resources'], ['cpu', 'memory', 'storage', 'gpu']);
  const resources = {
    cpu: range(r, res['cpu'], ['resources', 'cpu'], parseCpu),
    memory: range(r, res['memory'], ['resources', 'memory'], parseBytes),
    storage: range(r, res['storage'], ['resources', 'storage'], parseBytes),
    gpu: range(r, res['gpu'], ['resources', 'gpu'], (v) =>
      typeof v === 'number' && Number.isInteger(v) && v >= 0 ? { ok: true, value: v } : { ok: false, message: `expected a whole number of GPUs, got ${describe(v)}` },
    ),
  };

  const lc = table(r, raw['life_cycle'], ['life_cycle'], ['idle_timeout', 'restart', 'grace', 'ready_timeout']);
  const idleTimeoutMs = lc['idle_timeout'] === undefined ? undefined : unit(r, ['life_cycle', 'idle_timeout'], parseDuration(lc['idle_timeout']));
  const rs = table(r, lc['restart'], ['life_cycle', 'restart'], ['max', 'within', 'backoff']);
  let max = DEFAULT_RESTART.max;
  if (rs['max'] !== undefined) {
    if (typeof rs['max'] === 'number' && Number.isInteger(rs['max']) && rs['max'] >= 0) max = rs['max'];
    else r.add(['life_cycle', 'restart', 'max'], `expected a whole number of restarts (0 or more), got ${describe(rs['max'])}`);
  }
  const withinMs = rs['within'] === undefined ? DEFAULT_RESTART.withinMs : unit(r, ['life_cycle', 'restart', 'within'], parseDuration(rs['within']));
  const backoff = rs['backoff'] === undefined ? undefined : unit(r, ['life_cycle', 'restart', 'backoff'], parseDurationRange(rs['backoff']));
  const graceMs = lc['grace'] === undefined ? DEFAULT_GRACE_MS : unit(r, ['life_cycle', 'grace'], parseDuration(lc['grace']));
  const readyTimeoutMs =
    lc['ready_timeout'] === undefined ? DEFAULT_READY_TIMEOUT_MS : unit(r, ['life_cycle', 'ready_timeout'], parseDuration(lc['ready_timeout']));

  const deps: Record<string, DepSpec> = {};
  const remoteDeps: Record<string, RemoteDepSpec> = {};
  for (const [depName, value] of Object.entries(table(r, raw['deps'], ['deps'], Object.keys(isTable(raw['deps']) ? raw['deps'] : {})))) {
    if (!NAME.test(depName)) r.add(['deps', depName], 'dependency names must be kebab-case');
    const spec = dep(r, dir, value, ['deps', depName]);
    if (spec && 'kind' in spec) deps[depName] = spec;
    else if (spec) remoteDeps[depName] = spec;
  }
  const networkConfig = network(r, raw['network']);
  const cells = subCells(r, dir, raw['cells']);

  const auth = table(r, raw['auth'], ['auth'], ['allowed_keys']);
  let allowedKeys: string[] = [];
  if (auth['allowed_keys'] !== undefined) {
    if (Array.isArray(auth['allowed_keys']) && auth['allowed_keys'].every((k) => typeof k === 'string')) allowedKeys = auth['allowed_keys'];
    else r.add(['auth', 'allowed_keys'], `expected an array of key strings, got ${describe(auth['allowed_keys'])}`);
  }

  if (r.problems.length > 0) return { config: undefined, problems: r.problems };
  return {
    config: {
      file,
      dir,
      cell: { name: name as string, version: version as string, description, entry, contract, replicas },
      resources,
      lifeCycle: {
        idleTimeoutMs,
        restart: {
          max,
          withinMs: withinMs ?? DEFAULT_RESTART.withinMs,
          backoffMinMs: backoff?.minMs ?? DEFAULT_RESTART.backoffMinMs,
          backoffMaxMs: backoff?.maxMs ?? DEFAULT_RESTART.backoffMaxMs,
        },
        graceMs: graceMs ?? DEFAULT_GRACE_MS,
        readyTimeoutMs: readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      },
      deps,
      remoteDeps,
      cells,
      auth: { allowedKeys },
      network: networkConfig,
    },
    problems: [],
  };
}
