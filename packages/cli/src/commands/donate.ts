import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { loadCellConfig, parseBytes, parseCpu } from '@cell/config';
import { cellHome } from '@cell/host';
import { CellError } from '@cell/protocol';
import { createLogger, type Logger } from '@cell/sdk';
import { loadNet } from '../network-package.ts';

export interface DonateOptions {
  cpu: string;
  memory: string;
  storage: string;
  /** `HH:MM` or an ISO date-time: the donation ends then (drained like Ctrl-C). */
  until?: string | undefined;
  /** `any`, author keys separated by commas, or `file:<path>`. Default `any` (any identified author). */
  trust?: string | undefined;
  /** Let allowed trees run their packages' install scripts while they build (in the build capsid). */
  allowInstallScripts?: boolean | undefined;
  /** The donor directory. Default `/var/lib/cell/donor` as root, else `CELL_HOME/donor`. */
  dir?: string | undefined;
  json?: boolean | undefined;
}

/** Where a donor keeps its node, placements and capsids: a place the sandbox uid can reach (not under /root). */
export function defaultDonorDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/cell/donor' : join(cellHome(), 'donor');
}

const DONOR_TOML = `# The donor's node (\`cell donate\`): configured like any tree's node.
[cell]
name    = "donor"
version = "1.0.0"

[network]
listen    = "0.0.0.0:7700"   # where other nodes call the placed cells (through relays) and this node's directory
# bootstrap = ["/ip4/203.0.113.7/tcp/7701/p2p/12D3KooW..."]   # wide area: known nodes to join through
# allowed_keys = []           # node keys allowed to call placed cells; empty: any node
`;

function parsed<T>(flag: string, r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new CellError('CELL_E_INVALID_ARGUMENT', `${flag}: ${r.message}`, { details: { flag } });
  return r.value;
}

/**
 * `cell donate`: lends this machine to the network until Ctrl-C (or `--until`): joins it as a
 * node, advertises capacity, and places the trees it hears published — by authors its trust
 * policy allows, within the CPU, memory and storage given — in capsids. Ctrl-C drains them.
 */
export async function donateCommand(options: DonateOptions, signals: NodeJS.EventEmitter = process): Promise<number> {
  const offered = { cpu: parsed('--cpu', parseCpu(Number.isNaN(Number(options.cpu)) ? options.cpu : Number(options.cpu))), memoryBytes: parsed('--memory', parseBytes(options.memory)), storageBytes: parsed('--storage', parseBytes(options.storage)) };
  const net = await loadNet('cell donate');
  const policy = net.parseTrustPolicy(options.trust ?? 'any');
  const trust = options.allowInstallScripts ? net.allowingInstallScripts(policy) : policy;
  const until = options.until === undefined ? undefined : net.parseUntil(options.until, new Date());
  const dir = resolve(options.dir ?? defaultDonorDir());
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o711);
  if (!existsSync(join(dir, 'cell.toml'))) writeFileSync(join(dir, 'cell.toml'), DONOR_TOML);
  const network = loadCellConfig(dir).network;
  if (!network) throw new CellError('CELL_E_INVALID_ARGUMENT', `${join(dir, 'cell.toml')} has no [network]: a donor is a node`, { details: { file: join(dir, 'cell.toml') } });
  const human = Boolean(process.stdout.isTTY) && !options.json;
  const log: Logger = createLogger({ destination: pino.destination(1) });
  const identity = await net.loadOrCreateIdentity();
  const donation = await net.startDonation({ identity, network, dir, offered, trust, log, until });
  const say = (text: string) => {
    if (human) process.stderr.write(`${text}\n`);
  };
  log.info(
    { component: 'cli', node: identity.peerId, dir, offered, trust: trust.describe(), until: until?.toISOString(), directory: donation.network.directoryAddresses() },
    'donating: placements accepted until Ctrl-C',
  );
  say(`donating ${offered.cpu} cores, ${options.memory} memory, ${options.storage} storage as ${identity.peerId}; trust: ${trust.describe()}${until ? `; until ${until.toLocaleString()}` : ''} · Ctrl-C drains and stops`);
  let count = 0;
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      count++;
      if (count > 1) process.exit(130);
      say('draining placements…');
      resolveStop();
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
    if (until) setTimeout(stop, Math.min(2 ** 31 - 1, Math.max(0, until.getTime() - Date.now()))).unref();
  });
  await donation.stop();
  log.info({ component: 'cli' }, 'donation ended: placements drained and handed back');
  return 0;
}
