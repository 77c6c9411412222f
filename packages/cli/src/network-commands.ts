import { type Command, InvalidArgumentError } from 'commander';
import { authorInitCommand, authorShowCommand, formatAuthor } from './commands/author.ts';
import { donateCommand } from './commands/donate.ts';
import { formatPublishedCell, formatPublishSummary, publishCommand, servePublished } from './commands/publish.ts';
import { action, jsonFlag, out } from './command-kit.ts';

/** `--quorum`: a whole number from 2 to 16. */
function quorumOf(value: string): number {
  const k = Number(value);
  if (!Number.isInteger(k) || k < 2 || k > 16) throw new InvalidArgumentError('expected a whole number from 2 to 16');
  return k;
}

/** Resolves at the first Ctrl-C or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** `cell author`, `cell publish`, `cell donate`: the commands of the network's two halves. */
export function registerNetworkCommands(cli: Command): void {
  const author = cli.command('author').description('the author key that signs what this machine publishes (never anonymous)');
  const showAuthor = (json: boolean | undefined, v: Awaited<ReturnType<typeof authorShowCommand>>) => out(json ? JSON.stringify(v, null, 2) : formatAuthor(v));
  author
    .command('init')
    .requiredOption('--name <name>', 'who publishes (a person or an organisation)')
    .requiredOption('--contact <contact>', 'how to reach them (an e-mail address or a URL)')
    .option('--force', 'replace an existing author key')
    .option('--json', 'the signed record as JSON')
    .description('create the Ed25519 author key (in CELL_HOME, mode 0600) and its signed record')
    .action(action(async (opts: { name: string; contact: string; force?: boolean; json?: boolean }) => showAuthor(opts.json, await authorInitCommand(opts)), jsonFlag));
  author
    .command('show')
    .option('--json', 'the signed record as JSON')
    .description("this machine's author: name, contact, key")
    .action(action(async (opts: { json?: boolean }) => showAuthor(opts.json, await authorShowCommand()), jsonFlag));

  cli
    .command('publish')
    .argument('[dir]', 'root of the tree', '.')
    .option('--no-announce', 'store and sign only; do not announce on the network')
    .option('--announce-timeout <ms>', 'how long to look for peers to announce to', (v) => Number(v), 5000)
    .option('--node <dir>', "take [network] from <dir>/cell.toml (e.g. the donor directory) instead of the tree's root")
    .option('--quorum <k>', 'build quorum: donors run the tree only once k of them built the same bytes (2-16)', (v) => quorumOf(v))
    .option('--serve', 'then stay as this machine\'s node until Ctrl-C: serve the blocks to donors and re-announce')
    .option('--json', 'machine output (JSON lines) even on a terminal')
    .description('bundle every cell from source (with its lockfile and npm tarballs), store, sign the manifest, announce it; prints the manifest CID')
    .action(
      action(async (dir: string, opts: { announce?: boolean; announceTimeout: number; node?: string; quorum?: number; serve?: boolean; json?: boolean }) => {
        const human = !opts.json && Boolean(process.stdout.isTTY);
        const summary = await publishCommand(dir, {
          announce: opts.announce,
          announceTimeoutMs: opts.announceTimeout,
          node: opts.node,
          quorum: opts.quorum,
          onProgress: (p) => {
            if (!human) out(JSON.stringify(p));
            else if (p.event === 'bundled') out(formatPublishedCell(p));
          },
        });
        out(human ? formatPublishSummary(summary) : JSON.stringify({ event: 'published', ...summary }));
        if (opts.serve) {
          await servePublished(dir, {
            node: opts.node,
            until: untilSignal(),
            onServing: (addresses) => out(human ? `serving the published blocks as this machine's node (${addresses.join(', ')}) · Ctrl-C stops` : JSON.stringify({ event: 'serving', directory: addresses })),
          });
        }
      }, jsonFlag),
    );


  cli
    .command('donate')
    .requiredOption('--cpu <cores>', 'CPU cores lent, e.g. 2 or 500m')
    .requiredOption('--memory <size>', 'memory lent, e.g. 4GB')
    .requiredOption('--storage <size>', 'disk lent to fetched trees and their data, e.g. 10GB')
    .option('--until <time>', 'stop (draining) at this local time (HH:MM) or ISO date-time')
    .option('--trust <policy>', "whose trees to build: any (any identified author), author keys separated by commas, or file:<path>", 'any')
    .option('--allow-install-scripts', "run the packages' install scripts when building trusted trees (still in the build capsid: no network, only the cell's directory writable)")
    .option('--dir <dir>', 'donor directory: its node config (cell.toml [network]), placements, capsids (default /var/lib/cell/donor as root, else CELL_HOME/donor)')
    .option('--json', 'JSON lines only, even on a terminal')
    .description('lend this machine to the network until Ctrl-C: build and run published trees in capsids within these limits')
    .action(action(async (opts: { cpu: string; memory: string; storage: string; until?: string; trust: string; allowInstallScripts?: boolean; dir?: string; json?: boolean }) => donateCommand(opts), jsonFlag));
}
