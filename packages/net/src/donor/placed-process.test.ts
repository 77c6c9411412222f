import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCellTree, type TreeNode } from '@cell/config';
import { tempDir } from '../test-support/fixtures.ts';
import { PLACED_DATA, PlacementPorts, placedProcessLaunch } from './placed-process.ts';

const dir = tempDir('cell-placed-process-');
afterAll(() => dir.remove());
let trees = 0;

/** A tree of `cells` (name -> cell.toml body after `[cell] name/version`), loaded; its nodes by name. */
function tree(cells: Record<string, string>, extra: Record<string, string> = {}): Record<string, TreeNode> {
  const root = join(dir.path, `t${trees++}`);
  const files: Record<string, string> = { 'cell.toml': '[cell]\nname = "app"\nversion = "1.0.0"\n' };
  for (const [name, body] of Object.entries(cells)) files[`cells/${name}/cell.toml`] = `[cell]\nname = "${name}"\nversion = "1.0.0"\n${body}\n`;
  for (const [path, text] of Object.entries({ ...files, ...extra })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text, { mode: 0o600 });
  }
  return Object.fromEntries(loadCellTree(root).nodes.map((n) => [n.name, n]));
}

describe('a process cell placed on a donor', () => {
  it('gets ports counted in its placement, its dependents their addresses, and nothing of the donor', () => {
    process.env['DONOR_SECRET'] = 'kept';
    const t = tree({
      db: 'run = ["./db", "--port", "${PORT}", "--data", "${CELL_DATA}"]\nports = ["pg", "admin"]\nreplicas = 2\nurl = "postgres://${HOST}:${PORT}/x"\n[env]\nMODE = "on ${PORT_ADMIN}"\nLEAK = "${DONOR_SECRET:-none}"',
      api: 'run = ["./api"]\nports = ["http"]\n[deps]\ndb = "../db"',
    });
    const ports = new PlacementPorts();
    const db = ports.allocate(t['db']!, 2);
    expect(db).toEqual([
      [{ name: 'pg', port: 10000 }, { name: 'admin', port: 10001 }],
      [{ name: 'pg', port: 10002 }, { name: 'admin', port: 10003 }],
    ]);
    const launch = placedProcessLaunch(t['db']!, 'p.db-1', db[1]!, ports.dependencyEnv(t['db']!), { CELL_GRACE_MS: '5000' });
    expect(launch.command).toEqual(['./db', '--port', '10002', '--data', PLACED_DATA]);
    expect(launch.env).toMatchObject({ CELL_NAME: 'db', CELL_REPLICA: 'p.db-1', PORT: '10002', PORT_ADMIN: '10003', MODE: 'on 10003', LEAK: 'none', CELL_GRACE_MS: '5000' });
    expect(launch.ready).toEqual({ kind: 'tcp', port: 10002 }); // no check declared: its first port
    expect(launch.stopSignal).toBe('SIGTERM');
    const api = ports.allocate(t['api']!, 1)[0]!;
    const apiEnv = placedProcessLaunch(t['api']!, 'p.api-0', api, ports.dependencyEnv(t['api']!), {}).env;
    expect(apiEnv).toMatchObject({ PORT: '10004', CELL_DEP_DB_URL: 'postgres://127.0.0.1:10000/x', CELL_DEP_DB_ADDRS: '127.0.0.1:10000,127.0.0.1:10002', CELL_DEP_DB_PORT_ADMIN: '10001' });
    delete process.env['DONOR_SECRET'];
  });

  it('keeps a fixed port as declared, for one replica only and not twice in a tree', () => {
    const t = tree({ a: 'run = ["./a"]\nports = { pg = 5432 }', b: 'run = ["./b"]\nports = { db = 5432 }', c: 'run = ["./c"]\nports = ["x"]' });
    const ports = new PlacementPorts();
    expect(ports.allocate(t['a']!, 1)).toEqual([[{ name: 'pg', port: 5432 }]]);
    expect(() => ports.allocate(t['b']!, 1)).toThrow(/cell b: port db = 5432 is taken by another cell/);
    expect(() => new PlacementPorts().allocate(t['a']!, 2)).toThrow(/cannot serve 2 replicas/);
    expect(ports.allocate(t['c']!, 1)).toEqual([[{ name: 'x', port: 10000 }]]);
  });

  it('is ready as its check says, and refuses what a donor cannot give it: secrets, socket activation, probes into the capsid', () => {
    const t = tree({
      http: 'run = ["./s"]\nports = ["http"]\n[life_cycle]\nready = { http = "/health" }\nstop_signal = "SIGINT"',
      logged: 'run = ["./s"]\n[life_cycle]\nready = { log = "database system is ready" }',
      regex: 'run = ["./s"]\n[life_cycle]\nready = { log = "(a+)+$" }',
      https: 'run = ["./s"]\nports = ["http"]\n[life_cycle]\nready = { http = "https://127.0.0.1:${PORT}/" }',
      plain: 'run = ["./s"]',
      unix: 'run = ["./s"]\n[life_cycle]\nready = { unix = "run/s.sock" }',
      exec: 'run = ["./s"]\n[life_cycle]\nready = { exec = ["true"] }',
      socket: 'run = ["./s"]\nports = ["http"]\n[life_cycle]\nactivation = "socket"',
      secret: 'run = ["./s"]\n[secrets]\nTOKEN = "token.txt"',
    }, { 'cells/secret/token.txt': 'not for donors' });
    const launch = (n: string) => placedProcessLaunch(t[n]!, `${n}-0`, new PlacementPorts().allocate(t[n]!, 1)[0]!, {}, {});
    expect(launch('http')).toMatchObject({ ready: { kind: 'http', url: 'http://127.0.0.1:10000/health' }, stopSignal: 'SIGINT' });
    expect(launch('logged').ready).toEqual({ kind: 'log', text: 'database system is ready' });
    expect(() => launch('regex')).toThrow(/cell regex: ready.log on a donor is plain text, matched as written; "\(a\+\)\+\$" has regular-expression syntax/);
    expect(() => launch('https')).toThrow(/ready.http on a donor must be http:\/\//);
    expect(launch('plain').ready).toEqual({ kind: 'started' });
    expect(() => launch('socket')).toThrow(/cell socket: activation = "socket" is not available on donors/);
    expect(() => launch('secret')).toThrow(/cell secret: \[secrets\] are not given to cells placed on donors/);
    for (const n of ['unix', 'exec']) expect(() => launch(n)).toThrow(expect.objectContaining({ code: 'CELL_E_START_FAILED', message: expect.stringContaining(`ready = { ${n} = ... } is not available on donors`) }));
  });
});
