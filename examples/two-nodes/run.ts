// Two machines on one Linux box (as root): creates two network namespaces joined by a bridge,
// runs the provider node in one and the consumer node in the other, calls across, cleans up.
// On two real machines, run `npx cell mitosis provider` on one and `npx cell mitosis consumer`
// on the other instead (same LAN, or list bootstrap peers).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cell, killTree } from '../../test/e2e/helpers.ts';
import { cellOn, makeNode } from '../../test/net/fixtures.ts';
import { netnsUnavailable, TestNetwork } from '../../test/net/netns.ts';

const why = netnsUnavailable();
if (why) {
  console.error(`cannot simulate two machines here: ${why}`);
  process.exit(2);
}
const here = fileURLToPath(new URL('.', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'two-nodes-'));
const net = TestNetwork.create(2);
const [a, b] = [makeNode(net.host('h1'), base), makeNode(net.host('h2'), base)];
try {
  cpSync(join(here, 'provider'), a.root, { recursive: true, filter: (p) => !/\/(\.cell|run|log)(\/|$)/.test(p) });
  cpSync(join(here, 'consumer'), b.root, { recursive: true, filter: (p) => !/\/(\.cell|run|log)(\/|$)/.test(p) });
  // B trusts A to serve what it finds by name (in real life: paste the key `cell id` prints on A).
  const toml = join(b.root, 'cell.toml');
  writeFileSync(toml, readFileSync(toml, 'utf8').replace('# trusted_keys = ["12D3KooW..."]', `trusted_keys = ["${a.key}"]`));
  console.log(`machine A (10.77.0.1) is node ${a.key}`);
  console.log(`machine B (10.77.0.2) is node ${b.key}`);
  for (const n of [a, b]) {
    const r = cellOn(net, n, ['mitosis', n.root, '--detach']);
    if (r.code !== 0) throw new Error(`node on ${n.host.name} did not start: ${r.stderr}`);
  }
  // Discovery takes a moment (A's gossip reaches B within its announce interval): wait, bounded, until B knows A serves stock.
  const knowsStock = () => /knows \S+ .*stock@/.test(cell(['status', b.root]).stdout);
  for (let i = 0; i < 60 && !knowsStock(); i++) await new Promise((resolve) => setTimeout(resolve, 500));
  if (!knowsStock()) throw new Error(`node B did not learn of A's stock within 30 s:\n${cell(['status', b.root]).stdout}`);
  let trace = '';
  for (const input of ['{"sku":"mug","qty":2}', '{"sku":"mug","qty":1000}']) {
    const r = cell(['call', join(b.root, 'cells/shop'), 'buy', input, '--trace']);
    trace = /^trace ([0-9a-f]{32})/m.exec(r.stderr)?.[1] ?? trace;
    const error = r.stderr.split('\n').find((l) => l !== '' && !l.startsWith('trace '));
    console.log(`B: cell call shop buy ${input} -> ${(r.code === 0 ? r.stdout : (error ?? '')).trim().replace(/\s+/g, ' ')}`);
  }
  // The request's calls on both machines: B's nucleus asks the nodes it knows for theirs.
  const traced = cell(['trace', trace, b.root]);
  console.log(`B: cell trace ${trace}\n${(traced.code === 0 ? traced.stdout : traced.stderr).trimEnd()}`);
  console.log(cell(['status', b.root]).stdout.split('\n').slice(-6).join('\n'));
} finally {
  for (const n of [a, b]) killTree(n.root);
  net.destroy();
  rmSync(base, { recursive: true, force: true });
}
