import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, cell, killTree, REPO } from '../e2e/helpers.ts';
import { cellOn, makeNode, nodesDir, type TestNode } from './fixtures.ts';
import { netnsUnavailable, TestNetwork } from './netns.ts';

const unavailable = netnsUnavailable();

/** A long-running `cell` command on a host, its JSON lines collected as they come. */
interface Running {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** Resolves with the first line `match` accepts; rejects after `timeoutMs` naming `what`. */
  waitLine(match: (l: Record<string, unknown>) => boolean, what: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

function runOn(net: TestNetwork, node: TestNode, args: string[]): Running {
  const [cmd, ...rest] = [...net.enter(node.host), process.execPath, CLI, ...args];
  const child = spawn(cmd!, rest, { env: { ...process.env, NO_COLOR: '1', CELL_HOME: node.home }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        lines.push({ text: p });
      }
    }
    for (const w of waiters.splice(0)) w();
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitLine: Running['waitLine'] = (match, what, timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr}; last lines: ${JSON.stringify(lines.slice(-5))}`)), timeoutMs);
      const check = () => {
        const found = lines.find(match);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, exited, waitLine };
}

function nodeToml(name: string, network: string[]): string {
  return [`[cell]`, `name = "${name}"`, `version = "1.0.0"`, ``, `[network]`, `listen = "0.0.0.0:7700"`, `p2p = "0.0.0.0:7701"`, `announce_every = "1s"`, ...network, ''].join('\n');
}

const BUYER_MAIN = `import { defineContract, serve, Type, unary } from '@cell/sdk';
import { connectOrders } from '../.cell/bindings/orders.ts';
const buyer = defineContract({
  name: 'buyer',
  version: '1.0.0',
  methods: {
    buy: unary({
      input: Type.Object({ sku: Type.String(), qty: Type.Integer() }),
      output: Type.Object({ id: Type.String(), totalCents: Type.Integer() }),
      errors: { NoSuchProduct: Type.Object({ sku: Type.String() }), Unreachable: Type.Object({ code: Type.String(), message: Type.String() }) },
    }),
  },
});
const orders = connectOrders();
await serve(buyer, {
  buy: async ({ sku, qty }, ctx) => {
    const r = await orders.place.try({ sku, qty, card: '4242424242424242', email: 'buyer@example.org' }, ctx);
    if (r.ok) return { id: r.value.id, totalCents: r.value.totalCents };
    if (r.error.code === 'UnknownProduct') throw ctx.fail('NoSuchProduct', { sku: r.error.details.sku });
    throw ctx.fail('Unreachable', { code: r.error.code, message: r.error.message });
  },
});
`;

const ATTACKER_MAIN = `import { defineContract, serve, Type, unary } from '@cell/sdk';
import { connectProbe } from '../.cell/bindings/probe.ts';
const Attempt = Type.Object({ ok: Type.Boolean(), code: Type.Optional(Type.String()) });
const attacker = defineContract({
  name: 'attacker',
  version: '1.0.0',
  methods: {
    tryAll: unary({
      input: Type.Object({ host: Type.String(), port: Type.Integer() }),
      output: Type.Object({ root: Attempt, tcp: Attempt, write: Attempt, fork: Attempt, spawned: Type.Integer(), alive: Type.Boolean() }),
    }),
  },
});
const probe = connectProbe();
const pick = (a: { ok: boolean; code?: string | undefined }) => ({ ok: a.ok, ...(a.code === undefined ? {} : { code: a.code }) });
await serve(attacker, {
  tryAll: async ({ host, port }) => {
    const root = pick(await probe.read({ path: '/root' }));
    const tcp = pick(await probe.connectTcp({ host, port }));
    const write = pick(await probe.write({ path: '/cell/src/main.ts' }));
    const fork = pick(await probe.forkBomb({}));
    const spawned = (await probe.spawnMany({ count: 1000 })).started;
    const alive = (await probe.echo({ text: 'alive' })).text === 'alive';
    return { root, tcp, write, fork, spawned, alive };
  },
});
`;

const isPlaced = (l: Record<string, unknown>) => l['msg'] === 'tree placed';

describe.skipIf(unavailable !== undefined)('cell publish and cell donate across machines (network namespaces)', () => {
  const running: Running[] = [];
  let cleanup: () => void = () => undefined;
  afterAll(async () => {
    for (const r of running) r.child.kill('SIGINT');
    await Promise.all(running.map((r) => Promise.race([r.exited, new Promise((res) => setTimeout(res, 15_000))])));
    cleanup();
  });

  it('publishes the demo; trusting donors with room place it in capsids (built to the same bytes, its PostgreSQL included), one without room refuses it; a caller reaches it through the racer; a hostile tree placed beside it fails to escape; a donor stopped with Ctrl-C drains while the other keeps serving', { timeout: 420_000 }, async () => {
    const net = TestNetwork.create(5);
    const dir = nodesDir();
    // Donor directories must let the sandbox uid through.
    chmodSync(dir.base, 0o711);
    const [publisher, d1, d2, small, caller] = ['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => makeNode(net.host(h), dir.base));
    const nodes = [publisher!, d1!, d2!, small!, caller!];
    cleanup = () => {
      killTree(caller!.root);
      net.destroy();
      dir.remove(nodes);
    };
    // The author, and the node the publisher serves blocks from.
    const author = cellOn(net, publisher!, ['author', 'init', '--name', 'Test Publisher', '--contact', 'publisher@example.org', '--json']);
    expect(author.code, author.stderr).toBe(0);
    const authorKey = (JSON.parse(author.stdout) as { record: { key: string } }).record.key;
    mkdirSync(publisher!.root, { recursive: true });
    writeFileSync(join(publisher!.root, 'cell.toml'), nodeToml('publisher', ['discovery = ["gossip", "dht"]']));
    const bootstrap = `bootstrap = ["/ip4/${publisher!.host.ip}/tcp/7701/p2p/${publisher!.key}"]`;
    // Donors first: they redial the publisher until it is up.
    const donate = (n: TestNode, cpu: string, memory: string) => {
      mkdirSync(n.root, { recursive: true });
      writeFileSync(join(n.root, 'cell.toml'), nodeToml('donor', ['discovery = ["gossip", "dht"]', bootstrap]));
      const r = runOn(net, n, ['donate', '--cpu', cpu, '--memory', memory, '--storage', '4GB', '--trust', authorKey, '--dir', n.root]);
      running.push(r);
      return r;
    };
    const donors = [donate(d1!, '8', '8GB'), donate(d2!, '8', '8GB')];
    const refusing = donate(small!, '1', '512MB');
    const pub = runOn(net, publisher!, ['publish', join(REPO, 'examples/shop'), '--node', publisher!.root, '--serve', '--json']);
    running.push(pub);
    const published = await pub.waitLine((l) => l['event'] === 'published', 'the publish', 120_000);
    const manifest = published['manifest'] as string;

    // The donor without room refuses with the typed error, before building anything.
    const refusal = await refusing.waitLine((l) => l['msg'] === 'publication refused', 'the small donor to refuse', 120_000);
    expect(refusal['code']).toBe('CELL_E_CAPACITY');
    expect(refusal['manifest']).toBe(manifest);

    // Heard and accepted first (a separate wait: a donor that never heard of it fails here, not after a build's time).
    await Promise.all(donors.map((d, i) => d.waitLine((l) => l['msg'] === 'placing publication' && l['manifest'] === manifest, `donor h${i + 2} to start placing the tree`, 120_000)));
    const placed = await Promise.all(donors.map((d, i) => d.waitLine(isPlaced, `donor h${i + 2} to place the tree`, 300_000)));
    // A second tree, hostile: stored and recorded on the publisher, whose serving node announces it.
    const probeTree = cellOn(net, publisher!, ['publish', join(REPO, 'test/fixtures/probe-tree'), '--no-announce', '--json']);
    expect(probeTree.code, probeTree.stderr).toBe(0);
    await Promise.all(donors.map((d) => d.waitLine((l) => isPlaced(l) && l['tree'] === 'probe-tree', 'a donor to place the probe tree', 300_000)));
    for (const p of placed) expect(p['manifest']).toBe(manifest);
    // Reproducible builds: both donors built every cell of the demo to the same bytes.
    expect(Object.keys(placed[0]!['artifacts'] as object).sort()).toEqual(['catalog', 'gateway', 'inventory', 'mailer', 'orders', 'payments', 'stockdb']);
    expect(placed[1]!['artifacts']).toEqual(placed[0]!['artifacts']);
    // The demo's PostgreSQL runs on each donor too, in a capsid on the placement's own network, where inventory keeps its stock.
    for (const d of donors) expect(d.lines.some((l) => l['msg'] === 'placed replica ready' && l['cell'] === 'stockdb')).toBe(true);

    // A caller on a fifth machine: its buyer depends on `orders` by name, served by the trusted donors.
    mkdirSync(join(caller!.root, 'cells/buyer/src'), { recursive: true });
    writeFileSync(
      join(caller!.root, 'cell.toml'),
      nodeToml('caller', ['discovery = ["gossip", "dht"]', `bootstrap = ["/ip4/${d1!.host.ip}/tcp/7701/p2p/${d1!.key}", "/ip4/${d2!.host.ip}/tcp/7701/p2p/${d2!.key}"]`, `trusted_keys = ["${d1!.key}", "${d2!.key}"]`]),
    );
    writeFileSync(join(caller!.root, 'cells/buyer/cell.toml'), '[cell]\nname = "buyer"\nversion = "1.0.0"\nentry = "src/main.ts"\n\n[deps]\norders = { major = 1 }\n');
    writeFileSync(join(caller!.root, 'cells/buyer/src/main.ts'), BUYER_MAIN);
    mkdirSync(join(caller!.root, 'cells/attacker/src'), { recursive: true });
    writeFileSync(join(caller!.root, 'cells/attacker/cell.toml'), '[cell]\nname = "attacker"\nversion = "1.0.0"\nentry = "src/main.ts"\n\n[deps]\nprobe = { major = 1 }\n');
    writeFileSync(join(caller!.root, 'cells/attacker/src/main.ts'), ATTACKER_MAIN);
    const started = cellOn(net, caller!, ['mitosis', caller!.root, '--detach']);
    expect(started.code, started.stderr).toBe(0);

    const buyer = join(caller!.root, 'cells/buyer');
    const bought = cell(['call', buyer, 'buy', '{"sku":"mug","qty":1}']);
    expect(bought.code, bought.stderr).toBe(0);
    expect(JSON.parse(bought.stdout)).toMatchObject({ totalCents: 1200 });
    const unknown = cell(['call', buyer, 'buy', '{"sku":"no-such-thing","qty":1}']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('NoSuchProduct');

    // The hostile cell, placed on the donors, tries to escape: each attempt fails, the donor keeps serving it.
    const attack = cell(['call', join(caller!.root, 'cells/attacker'), 'tryAll', JSON.stringify({ host: publisher!.host.ip, port: 7700 })]);
    expect(attack.code, attack.stderr).toBe(0);
    const tried = JSON.parse(attack.stdout) as { root: { ok: boolean }; tcp: { ok: boolean; code?: string }; write: { code?: string }; spawned: number; alive: boolean };
    expect(tried.root.ok).toBe(false);
    expect(tried.tcp).toMatchObject({ ok: false, code: 'ENETUNREACH' }); // another namespace's host: no route from a capsid
    expect(tried.write.code).toBe('EROFS');
    expect(tried.spawned).toBeLessThan(256);
    expect(tried.alive).toBe(true);

    // Ctrl-C on the first donor: it drains and hands its placement back; the caller fails over.
    donors[0]!.child.kill('SIGINT');
    expect(await donors[0]!.exited).toBe(0);
    expect(donors[0]!.lines.some((l) => l['msg'] === 'donation ended: placements drained and handed back')).toBe(true);
    const again = cell(['call', buyer, 'buy', '{"sku":"tee","qty":1}']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ totalCents: 2500 });
    // Inventory kept its stock in the donor's PostgreSQL (its cluster in stockdb's data directory), not in a SQLite file of its own.
    const demoDir = join(d2!.root, 'placements', readdirSync(join(d2!.root, 'placements')).find((p) => existsSync(join(d2!.root, 'placements', p, 'data', 'stockdb')))!, 'data');
    expect(existsSync(join(demoDir, 'stockdb', 'pg', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(demoDir, 'inventory', 'stock.db'))).toBe(false);
  });
});
