// `npm run bench -- --only donate` (also in `--only network`): what donating costs.
// 1. A call through a donor — TLS relay in the donor, cell in a capsid behind it — against the
//    same cell as a bare process serving its own axon (the direct path), in the same run.
// 2. The demo from `cell publish` to its first successful call on a donor: publish, announce,
//    fetch (bitswap), build in capsids, start, call. Publisher and donor run in this process on
//    loopback, each with its own identity and content store.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCellTree, type NetworkConfig } from '@cell/config';
import { axonCredentials, loadOrCreateIdentity, NodeNetwork, openBlockstore, parseTrustPolicy, recordPublished, startAxonRelay, startDonation } from '@cell/net';
import { createAuthor, npmTarballs, publishTree } from '@cell/publish';
import { createCapsidHost } from '@cell/runtime';
import { connectDynamic, createLogger } from '@cell/sdk';
import { echoP50, firstEchoCall } from '../lib/echo-calls.ts';
import { pinSelf } from '../lib/processes.ts';
import { median, round } from '../lib/stats.ts';
import { writeTrivialTree } from '../runtime/trivial-tree.ts';

const CLI = fileURLToPath(new URL('../../packages/cli/bin/cell.mjs', import.meta.url));
const SHOP = new URL('../../examples/shop/', import.meta.url).pathname;
const quiet = createLogger({ level: 'silent' });

export interface DonateBenchOptions {
  rounds: number;
  calls: number;
  log(line: string): void;
}

/** A free TCP port on loopback (for the bare process's axon). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Call p50 through relay + capsid vs a bare process's own axon. */
async function relayCost(options: DonateBenchOptions): Promise<Record<string, unknown>> {
  const root = writeTrivialTree(1);
  chmodSync(root, 0o711);
  const code = join(root, 'cells', 'c0');
  const build = spawnSync(process.execPath, [CLI, 'build', root], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`cell build failed: ${build.stderr}`);
  const server = await loadOrCreateIdentity(join(root, 'server-home'));
  const client = await loadOrCreateIdentity(join(root, 'client-home'));
  const host = createCapsidHost({ root: join(root, 'capsids') });
  const samples = { axon_direct: [] as number[], relay_capsid: [] as number[] };
  try {
    for (let r = 0; r < options.rounds; r++) {
      const order = r % 2 === 0 ? (['axon_direct', 'relay_capsid'] as const) : (['relay_capsid', 'axon_direct'] as const);
      for (const system of order) {
        const socket = join(root, 'run', `${system}-${r}.sock`);
        let port: number;
        let stop: () => Promise<unknown>;
        if (system === 'axon_direct') {
          port = await freePort();
          const env = { ...process.env, CELL_SOCKET: socket, CELL_LOG_LEVEL: 'warn', CELL_AXON_HOST: '127.0.0.1', CELL_AXON_PORT: String(port), CELL_IDENTITY_FILE: server.file, CELL_ALLOWED_KEYS: client.peerId };
          const child = spawn(process.execPath, [join(code, '.cell/build/main.mjs')], { cwd: code, env, stdio: ['ignore', 'ignore', 'inherit'] });
          const exited = new Promise((resolve) => child.once('exit', resolve));
          stop = () => (child.kill('SIGKILL'), exited);
        } else {
          const capsid = await host.run({ cell: 'c0', replica: `c0-${r}`, codeDir: code, dataDir: join(root, 'capsids', `data-${r}`), socket, resources: { memoryBytes: 256 * 2 ** 20, cpu: 1, pids: 128 }, env: { CELL_LOG_LEVEL: 'warn' } });
          capsid.stdout.resume();
          await capsid.ready;
          const relay = await startAxonRelay({ host: '127.0.0.1', port: 0, credentials: axonCredentials(server), allowedKeys: [client.publicKey], target: socket });
          port = relay.port;
          stop = async () => {
            await relay.close();
            await capsid.kill();
          };
        }
        const synapse = await firstEchoCall({ axon: { host: '127.0.0.1', port, key: server.peerId }, credentials: axonCredentials(client) });
        samples[system].push(await echoP50(synapse, options.calls, 200));
        await synapse.$close();
        await stop();
        options.log(`donate round ${r + 1}/${options.rounds} ${system}: call p50 ${round(samples[system].at(-1)!)} µs`);
      }
    }
  } finally {
    host.close();
    rmSync(root, { recursive: true, force: true });
  }
  const direct = median(samples.axon_direct);
  const relayed = median(samples.relay_capsid);
  return { axon_direct: round(direct), relay_capsid: round(relayed), ratio: round(relayed / direct, 2) };
}

const loopback = (bootstrap: string[], p2pPort = 0) =>
  ({ listen: { host: '127.0.0.1', port: 0 }, p2p: { host: '127.0.0.1', port: p2pPort }, bootstrap, discovery: ['gossip'], trustedKeys: [], allowedKeys: [], announceEveryMs: 1000 }) as unknown as NetworkConfig;

/** The demo from publish to its first call on a donor (one round: it builds seven cells in capsids). */
async function publishToFirstCall(options: DonateBenchOptions): Promise<Record<string, unknown>> {
  const base = mkdtempSync(join(tmpdir(), 'cell-bench-donate-'));
  chmodSync(base, 0o711);
  const pubHome = join(base, 'publisher');
  const publisherId = await loadOrCreateIdentity(pubHome);
  const author = await createAuthor({ home: pubHome, name: 'Bench', contact: 'bench@example.org' });
  // The publisher's node first (it serves the blocks); the donor bootstraps to it.
  const pubNode = await NodeNetwork.start({ identity: publisherId, config: loopback([]), root: join(base, 'pub-root'), log: quiet, localCells: () => [], storeDir: join(pubHome, 'content') });
  const p2p = pubNode.status().p2p.find((a) => a.includes('127.0.0.1'))!;
  const donation = await startDonation({
    identity: await loadOrCreateIdentity(join(base, 'donor-home')),
    network: loopback([p2p]),
    dir: join(base, 'donor'),
    offered: { cpu: 8, memoryBytes: 8 * 2 ** 30, storageBytes: 8 * 2 ** 30 },
    trust: parseTrustPolicy(author.record.key),
    log: quiet,
  });
  try {
    const started = performance.now();
    const blockstore = await openBlockstore(join(pubHome, 'content'));
    const result = await publishTree({ tree: loadCellTree(SHOP), author, blockstore, tarballs: npmTarballs() });
    const manifest = result.cid.toString();
    await recordPublished(join(pubHome, 'content'), { tree: 'shop', version: result.manifest.tree.version, author: author.record.key, manifest, cids: [manifest, ...result.cells.map((c) => c.bundle)] });
    const publishMs = performance.now() - started;
    // The publisher's node re-announces what this machine published every second.
    let catalog: number | undefined;
    const deadline = Date.now() + 600_000;
    while ((catalog = donation.donor.servedCells().find((c) => c.name === 'catalog')?.ports[0]) === undefined) {
      if (Date.now() > deadline) throw new Error('the donor did not place the demo within 10 minutes');
      await new Promise((r) => setTimeout(r, 20));
    }
    const synapse = connectDynamic({ axon: { host: '127.0.0.1', port: catalog, key: donation.network.identity.peerId }, credentials: axonCredentials(publisherId) });
    await synapse.call('list', {});
    const totalMs = performance.now() - started;
    await synapse.$close();
    const placed = donation.donor.status()[0];
    const timings = donation.donor.placementTimings(manifest);
    options.log(`donate: publish to first call ${round(totalMs)} ms (publish ${round(publishMs)} ms, ${JSON.stringify(timings)})`);
    return {
      total_ms: round(totalMs),
      publish_ms: round(publishMs),
      fetch_ms: round(timings?.fetchMs ?? Number.NaN),
      build_ms: round(timings?.buildMs ?? Number.NaN),
      start_ms: round(timings?.startMs ?? Number.NaN),
      replicas: placed?.replicas.length,
    };
  } finally {
    await donation.stop();
    await pubNode.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

export async function benchDonate(options: DonateBenchOptions): Promise<Record<string, unknown>> {
  // Every hop of a call (client, relay, cell) on one CPU: no cross-CPU wake-ups in the figures.
  const pinned = pinSelf('0');
  let relay: Record<string, unknown>;
  try {
    relay = await relayCost(options);
  } finally {
    pinned.restore();
  }
  const demo = await publishToFirstCall(options);
  return {
    method: `call p50 (${pinned.note}): medians of ${options.rounds} interleaved rounds, ${options.calls} sequential echo calls each over TLS from this process, to a bare process's own axon vs a relay in this process in front of the same cell in a capsid; publish_to_first_call (not pinned): one round of the demo (its 7 running cells — PostgreSQL included — and 9 replicas) on loopback, from publishTree to the first successful call through the donor's relay`,
    call_p50_us: relay,
    publish_to_first_call: demo,
  };
}
