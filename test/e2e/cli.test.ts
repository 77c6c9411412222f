import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { isProcessAlive, TreeStatus } from '@cell/host';
import { CLI, cell, cellAsync, cellOf, REPO, status, tempTree, type TempTree, waitStatus } from './helpers.ts';
import { workCellFiles } from './work-cell.ts';

const ROOT_TOML = '[cell]\nname = "root"\nversion = "1.0.0"\n';

let tree: TempTree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});


async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cell CLI (real processes)', () => {
  it('refuses a malformed tree with exit 2, naming file, line and key of every problem', () => {
    tree = tempTree({
      'cell.toml': ROOT_TOML,
      'cells/a/cell.toml': '[cell]\nname = "a"\nversion = "1.0.0"\nentry = "src/main.ts"\n\n[resources]\nmemory = "12 potatoes"\n\n[deps]\nb = "../b"\n',
      'cells/a/src/main.ts': '',
      'cells/b/cell.toml': '[cell]\nname = "b"\nversion = "1.0.0"\nentry = "src/main.ts"\ncolour = "red"\n[deps]\na = "../a"\n',
      'cells/b/src/main.ts': '',
    });
    const r = cell(['mitosis', tree.root, '--detach']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(tree.root, 'cells/a/cell.toml')}:7: resources.memory: "12 potatoes" is not a size`);
    expect(r.stderr).toContain(`${join(tree.root, 'cells/b/cell.toml')}:5: cell.colour: unknown key`);
    expect(existsSync(join(tree.root, 'run', 'nucleus.pid'))).toBe(false);
    // With every file valid, the cycle between them is what remains.
    tree.write('cells/a/cell.toml', '[cell]\nname = "a"\nversion = "1.0.0"\nentry = "src/main.ts"\n\n[deps]\nb = "../b"\n');
    tree.write('cells/b/cell.toml', '[cell]\nname = "b"\nversion = "1.0.0"\nentry = "src/main.ts"\n[deps]\na = "../a"\n');
    const cycle = cell(['mitosis', tree.root, '--detach']);
    expect(cycle.code).toBe(2);
    expect(cycle.stderr).toMatch(/cell.toml:\d+: deps\.[ab]: dependency cycle: (a -> b -> a|b -> a -> b)/);
  });

  it('init scaffolds a cell that runs at once, with a passing test', () => {
    tree = tempTree({});
    symlinkSync(join(REPO, 'node_modules'), join(tree.root, 'node_modules'));
    const dir = join(tree.root, 'hello-cell');
    expect(cell(['init', dir]).code).toBe(0);
    const up = cell(['mitosis', dir, '--detach']);
    expect(up.code, up.stderr).toBe(0);
    const ok = cell(['call', dir, 'greet', '{"name":"Ada"}']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ greeting: 'Hello, Ada!' });
    const refused = cell(['call', dir, 'greet', '{"name":"nobody"}']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ code: 'Shy', declared: true, details: { reason: 'will not greet nobody' } });
    const bad = cell(['call', dir, 'greet', '{"name":""}']);
    expect(JSON.parse(bad.stderr)).toMatchObject({ code: 'CELL_E_INVALID_INPUT' });
    expect(cell(['call', dir, 'greet', 'not json']).code).toBe(2);
    expect(cell(['stop', dir]).code).toBe(0);
    const test = spawnSync(process.execPath, ['--conditions=cell-source', '--test', 'src/**/*.test.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(test.status, test.stdout + test.stderr).toBe(0);
  });

  it('status --json is the documented shape; a second nucleus on the same tree is refused', () => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...workCellFiles('cells/work', { toml: 'replicas = 2' }) });
    expect(cell(['mitosis', tree.root, '--detach']).code).toBe(0);
    const s = status(tree.root);
    const check = Compile(TreeStatus);
    expect([...check.Errors(s)]).toEqual([]);
    expect(cellOf(s, 'work').replicas.map((r) => r.socket)).toEqual(['run/work-0.sock', 'run/work-1.sock']);
    const again = cell(['mitosis', tree.root, '--detach']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CELL_E_TREE_RUNNING');
    const human = cell(['status', join(tree.root, 'cells/work')]);
    expect(human.stdout).toContain('work-1');
    expect(cell(['stop', tree.root]).code).toBe(0);
    expect(cell(['status', tree.root]).code).toBe(3);
  });

  it('logs merges every cell of the tree in time order, and follows new lines', async () => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...workCellFiles('cells/work'), ...workCellFiles('cells/other', { name: 'other' }) });
    expect(cell(['mitosis', tree.root, '--detach']).code).toBe(0);
    const r = cell(['logs', tree.root, '--json']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { time: number; cell?: string; msg: string });
    const cells = new Set(lines.map((l) => l.cell).filter(Boolean));
    expect(cells).toEqual(new Set(['work', 'other']));
    expect(lines.map((l) => l.time)).toEqual([...lines.map((l) => l.time)].sort((a, b) => a - b));
    expect(lines.some((l) => l.msg === 'replica ready')).toBe(true);
    const only = cell(['logs', tree.root, 'other', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { cell?: string });
    expect(new Set(only.map((l) => l.cell))).toEqual(new Set(['other']));
    const pretty = cell(['logs', tree.root, 'work']).stdout;
    expect(pretty).toMatch(/INFO: work\/work-0 replica ready/);
    const follower = spawn(process.execPath, [CLI, 'logs', tree.root, 'work', '-f', '--json']);
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => (followed += d.toString()));
    const done = new Promise<number | null>((resolve) => follower.once('exit', resolve));
    try {
      await new Promise((r) => setTimeout(r, 700));
      expect(cell(['reload', join(tree.root, 'cells/work')]).code).toBe(0);
      await until(() => followed.includes('"generation":2'), 10_000, 'followed line');
    } finally {
      follower.kill('SIGINT');
    }
    expect(await done).toBe(0);
  });

  it('Ctrl-C stops a foreground tree gracefully; SIGKILL of the root leaves no orphan', async () => {
    // A process cell whose shell leaves a child of its own: its whole group goes with the tree.
    const sleeper = '[cell]\nname = "sleeper"\nversion = "1.0.0"\nrun = ["sh", "-c", "sleep 600 & echo $! > $CELL_DATA/child; wait"]\n';
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...workCellFiles('cells/work', { toml: 'replicas = 2' }), 'cells/sleeper/cell.toml': sleeper });
    const childFile = join(tree.root, 'cells/sleeper/data/child');
    const pidsOf = () => [...cellOf(status(tree!.root), 'work').replicas.map((r) => r.pid!), cellOf(status(tree!.root), 'sleeper').replicas[0]!.pid!];
    for (const signal of ['SIGINT', 'SIGKILL'] as const) {
      rmSync(childFile, { force: true });
      const root = spawn(process.execPath, [CLI, 'mitosis', tree.root, '--json'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => root.once('exit', (code) => resolve(code)));
      await waitStatus(tree.root, (s) => cellOf(s, 'work').state === 'ready' && cellOf(s, 'sleeper').state === 'ready', 30_000, 'tree ready');
      await until(() => existsSync(childFile) && readFileSync(childFile, 'utf8').trim() !== '', 10_000, "the sleeper's child pid");
      const pids = [...pidsOf(), Number(readFileSync(childFile, 'utf8'))];
      root.kill(signal);
      const code = await exited;
      if (signal === 'SIGINT') expect(code).toBe(0);
      await until(() => pids.every((p) => !isProcessAlive(p)), 10_000, `replicas to exit after ${signal}`);
    }
  });

  it('starts a cell on demand outside any tree exactly once, however many callers race', async () => {
    tree = tempTree({ ...workCellFiles('.') });
    expect(cell(['build', tree.root]).code).toBe(0);
    const callers = await Promise.all(Array.from({ length: 6 }, () => cellAsync(['call', tree!.root, 'whoami'])));
    for (const c of callers) expect(c.code, c.stderr).toBe(0);
    const pids = new Set(callers.map((c) => (JSON.parse(c.stdout) as { pid: number }).pid));
    expect(pids.size).toBe(1);
    expect(readdirSync(join(tree.root, 'run')).filter((f) => f.endsWith('.pid'))).toEqual(['work-0.pid']);
    const stop = cell(['stop', tree.root]);
    expect(stop.stdout).toContain('stopped 1 standalone process');
    await until(() => !isProcessAlive([...pids][0]!), 10_000, 'standalone cell to stop');
  });

  it('a call ends by its deadline with CELL_E_TIMEOUT while its cell is still starting', () => {
    tree = tempTree({ ...workCellFiles('.', { startDelayMs: 20_000 }) });
    expect(cell(['build', tree.root]).code).toBe(0);
    const started = Date.now();
    const r = cell(['call', tree.root, 'whoami', '{}', '--timeout', '2000']);
    const tookMs = Date.now() - started;
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toMatchObject({ code: 'CELL_E_TIMEOUT' });
    expect(tookMs).toBeLessThan(15_000); // the start takes 20 s; the call gives up at 2 s (the bound leaves room for a slow machine)
  });

  it('never touches another tree’s run state: a tree that contains a cell another tree runs is refused before it starts', () => {
    tree = tempTree({
      'a/cell.toml': ROOT_TOML,
      ...workCellFiles('a/cells/work'),
      'b/cell.toml': `${ROOT_TOML.replace('"root"', '"other"')}\n[deps]\nwork = "../a/cells/work"\n`,
    });
    const a = join(tree.root, 'a');
    const b = join(tree.root, 'b');
    expect(cell(['mitosis', a, '--detach']).code).toBe(0);
    const pointer = readFileSync(join(a, 'cells/work/run/nucleus.json'), 'utf8');
    const refused = cell(['mitosis', b, '--detach', '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr.trim().split('\n').at(-1)!)).toMatchObject({ code: 'CELL_E_TREE_RUNNING' });
    expect(cell(['stop', b]).code).toBe(3); // B is not running
    expect(readFileSync(join(a, 'cells/work/run/nucleus.json'), 'utf8')).toBe(pointer);
    expect(cellOf(status(a), 'work').state).toBe('ready');
    expect(cell(['stop', a]).code).toBe(0);
  });

  it.skipIf(process.getuid?.() !== 0)('another user cannot call a cell, read its status or stop its tree, whatever the umask', () => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...workCellFiles('cells/work') });
    const previous = process.umask(0);
    try {
      expect(cell(['mitosis', tree.root, '--detach']).code).toBe(0);
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(tree.root, 'cells/work/run/work-0.sock')).mode & 0o777).toBe(0o600);
    expect(statSync(join(tree.root, 'run/nucleus.sock')).mode & 0o777).toBe(0o600);
    expect(statSync(join(tree.root, 'run')).mode & 0o777).toBe(0o700);
    // As the user nobody, with the tree's own directories readable by all: only run/ protects it.
    spawnSync('chmod', ['-R', 'a+rX', tree.root]);
    spawnSync('chmod', ['700', join(tree.root, 'run'), join(tree.root, 'cells/work/run')]);
    const asNobody = (script: string) =>
      spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8', timeout: 30_000 });
    const probe = `const s = require('node:net').connect(${JSON.stringify(join(tree.root, 'cells/work/run/work-0.sock'))});
s.on('connect', () => { console.log('CONNECTED'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
    expect(asNobody(probe).stdout.trim()).toMatch(/^(EACCES|EPERM)$/);
    const control = probe.replace(join(tree.root, 'cells/work/run/work-0.sock'), join(tree.root, 'run/nucleus.sock'));
    expect(asNobody(control).stdout.trim()).toMatch(/^(EACCES|EPERM)$/);
    expect(cellOf(status(tree.root), 'work').state).toBe('ready'); // the owner still can
  });

  it.skipIf(process.getuid?.() !== 0)('another user whom file modes let in is still refused by its uid, by a cell (a cluster worker) and by the nucleus', () => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...workCellFiles('cells/work') });
    expect(cell(['mitosis', tree.root, '--detach']).code).toBe(0);
    // Someone opened everything up: only the peer's uid (SO_PEERCRED) is left to protect the tree.
    spawnSync('chmod', ['-R', 'a+rwX', tree.root]);
    const callAsNobody = (socket: string, method: string, input: unknown) => {
      const script = `import { connectDynamic } from '@cell/sdk';
const c = connectDynamic({ socketPath: ${JSON.stringify(socket)}, connectTimeoutMs: 5000 });
try { await c.call(${JSON.stringify(method)}, ${JSON.stringify(input)}, { timeoutMs: 5000 }); console.log('SERVED'); }
catch (err) { console.log(err.code ?? err.message); }
await c.$close();`;
      const args = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--conditions=cell-source', '--input-type=module', '-e', script];
      return spawnSync('setpriv', args, { cwd: join(REPO, 'packages/sdk'), encoding: 'utf8', timeout: 30_000 }).stdout.trim();
    };
    expect(callAsNobody(join(tree.root, 'cells/work/run/work-0.sock'), 'echo', { n: 1 })).toBe('CELL_E_DENIED');
    expect(callAsNobody(join(tree.root, 'run/nucleus.sock'), 'stop', {})).toBe('CELL_E_DENIED');
    expect(cellOf(status(tree.root), 'work').state).toBe('ready'); // the owner still can, and the tree still runs
    const call = cell(['call', join(tree.root, 'cells/work'), 'echo', '{"n":2}']);
    expect(JSON.parse(call.stdout), call.stderr).toEqual({ n: 2 });
  });

  it('a cell whose start throws (its socket served by another process) is failed, and --detach exits 1 with the reason', async () => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...workCellFiles('cells/work') });
    mkdirSync(join(tree.root, 'cells/work/run'), { recursive: true });
    const squatter = createServer(() => undefined);
    await new Promise<void>((resolve) => squatter.listen(join(tree!.root, 'cells/work/run/work-0.sock'), resolve));
    try {
      const r = await cellAsync(['mitosis', tree.root, '--detach']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('already served by another process');
      expect(cellOf(status(tree.root), 'work').state).toBe('failed');
    } finally {
      squatter.close();
    }
  });
});
