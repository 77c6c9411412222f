import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles, validateToml } from '../test-fixtures/temp-files.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

const CELL = '[cell]\nname = "db"\nversion = "1.0.0"\n';
const problemsOf = (toml: string, dir?: string) => Object.fromEntries(validateToml(toml, dir).problems.map((p) => [p.key, p.message]));

describe('a process cell ([cell] run)', () => {
  it('runs an executable with its ports, user, url, readiness and stop signal', () => {
    const { config } = validateToml(
      `${CELL}run = ["postgres", "-p", "\${PORT}"]\nports = ["pg", "admin"]\nuser = "postgres"\nurl = "postgres://\${HOST}:\${PORT}/app"\n[life_cycle]\nready = { exec = ["pg_isready", "-p", "\${PORT}"] }\nstop_signal = "SIGINT"\n`,
    );
    expect(config?.process).toEqual({
      run: ['postgres', '-p', '${PORT}'],
      user: 'postgres',
      url: 'postgres://${HOST}:${PORT}/app',
      ready: { kind: 'exec', command: ['pg_isready', '-p', '${PORT}'] },
      stopSignal: 'SIGINT',
      activation: 'start',
      build: undefined,
    });
    expect(config?.ports).toEqual([
      { name: 'pg', port: 0 },
      { name: 'admin', port: 0 },
    ]);
  });

  it('is ready on its first port by default, or once started without ports; fixed ports are a table', () => {
    const withPorts = validateToml(`${CELL}run = ["./server"]\nports = { http = 8080, admin = 0 }\n`).config;
    expect(withPorts?.process?.ready).toEqual({ kind: 'tcp', port: '${PORT}' });
    expect(withPorts?.ports).toEqual([
      { name: 'http', port: 8080 },
      { name: 'admin', port: 0 },
    ]);
    expect(validateToml(`${CELL}run = ["./worker"]\n`).config?.process).toMatchObject({ ready: undefined, stopSignal: 'SIGTERM' });
    for (const [ready, check] of [
      ['{ tcp = 5432 }', { kind: 'tcp', port: '5432' }],
      ['{ unix = "run/db.sock" }', { kind: 'unix', path: 'run/db.sock' }],
      ['{ http = "http://127.0.0.1:${PORT_ADMIN}/ok" }', { kind: 'http', target: 'http://127.0.0.1:${PORT_ADMIN}/ok' }],
      ['{ log = "ready to accept" }', { kind: 'log', pattern: 'ready to accept' }],
    ] as const) {
      expect(validateToml(`${CELL}run = ["x"]\n[life_cycle]\nready = ${ready}\n`).config?.process?.ready).toEqual(check);
    }
  });

  it('refuses what cannot run, naming the key', () => {
    expect(problemsOf(`${CELL}run = []\nports = ["HTTP"]\nuser = "Root Admin"\n`)).toEqual({
      'cell.run': 'run is empty: it needs at least the executable, like ["./server"]',
      'cell.ports[0]': 'expected a port name (port names are lower case (a-z, 0-9, _; starting with a letter)), got "HTTP"',
      'cell.user': 'expected a user name of this machine, like "postgres", got "Root Admin"',
    });
    expect(problemsOf(`${CELL}run = [""]\n`)).toEqual({ 'cell.run': 'the executable (the first item) is empty' });
    expect(problemsOf(`${CELL}run = ["x"]\nports = { http = 70000 }\n`)['cell.ports.http']).toContain('a port from 1 to 65535');
    expect(problemsOf(`${CELL}run = ["x"]\n[life_cycle]\nready = { tcp = 1, log = "x" }\nstop_signal = "SIGSTOP"\n`)).toMatchObject({
      'life_cycle.ready': 'give exactly one of tcp, unix, http, exec, log; got tcp and log',
      'life_cycle.stop_signal': expect.stringContaining('one of SIGTERM, SIGINT'),
    });
    expect(problemsOf(`${CELL}run = ["x"]\n[life_cycle]\nready = { log = "(" }\n`)['life_cycle.ready.log']).toContain('not a regular expression');
    expect(problemsOf(`${CELL}run = ["x"]\n[life_cycle]\nready = {}\n`)['life_cycle.ready']).toBe('give exactly one of tcp, unix, http, exec, log; got none');
    expect(problemsOf(`${CELL}run = ["x"]\n[life_cycle]\nready = { tpc = 1 }\n`)['life_cycle.ready.tpc']).toContain('did you mean "tcp"');
    expect(problemsOf(`${CELL}run = ["x"]\n[life_cycle]\nready = { http = "/health" }\n`)['life_cycle.ready']).toContain('declares none');
  });

  it('may start on the first connection to its ports (socket activation), and only then stop when idle', () => {
    expect(validateToml(`${CELL}run = ["x"]\nports = ["http"]\n[life_cycle]\nactivation = "socket"\nidle_timeout = "30s"\n`).config?.process?.activation).toBe('socket');
    expect(problemsOf(`${CELL}run = ["x"]\n[life_cycle]\nactivation = "socket"\n`)).toEqual({ 'life_cycle.activation': expect.stringContaining('declares none') });
    expect(problemsOf(`${CELL}run = ["x"]\nports = ["http"]\n[life_cycle]\nidle_timeout = "30s"\n`)).toEqual({ 'life_cycle.idle_timeout': expect.stringContaining('add activation = "socket"') });
    expect(problemsOf(`${CELL}run = ["x"]\n[life_cycle]\nactivation = "later"\n`)['life_cycle.activation']).toContain('"start" (with the tree) or "socket"');
  });

  it('may have a build command, with a timeout; a Node cell may not (the ribosome builds it)', () => {
    expect(validateToml(`${CELL}run = ["./server"]\n[build]\nrun = ["cc", "-o", "server", "server.c"]\n`).config?.process?.build).toEqual({ run: ['cc', '-o', 'server', 'server.c'], timeoutMs: 600_000 });
    expect(validateToml(`${CELL}run = ["./server"]\n[build]\nrun = ["make"]\ntimeout = "30s"\n`).config?.process?.build).toEqual({ run: ['make'], timeoutMs: 30_000 });
    const dir = files({ 'src/main.ts': '' });
    expect(problemsOf(`${CELL}entry = "src/main.ts"\n[build]\nrun = ["make"]\n`, dir)).toEqual({ build: expect.stringContaining('[build] applies to a process cell') });
  });

  it('is either a Node cell or a process cell, and process keys are refused on a Node cell', () => {
    const dir = files({ 'src/main.ts': '' });
    expect(problemsOf(`${CELL}entry = "src/main.ts"\nrun = ["x"]\n`, dir)).toEqual({ 'cell.run': 'a cell has either entry (a Node module) or run (any executable), not both' });
    expect(Object.keys(problemsOf(`${CELL}entry = "src/main.ts"\nuser = "pg"\n[life_cycle]\nready = { tcp = 1 }\n`, dir))).toEqual(['cell.user', 'life_cycle.ready']);
    // A Node cell may still ask for ports (an HTTP server of its own).
    expect(validateToml(`${CELL}entry = "src/main.ts"\nports = ["http"]\n`, dir).config?.ports).toEqual([{ name: 'http', port: 0 }]);
  });
});
