import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isProcessAlive } from '@cell/host';

const PREFIX = 'cellcap';

function ip(args: string[], allowFail = false): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Why a peer namespace cannot be made here (not root, no `ip netns`), or undefined. */
export function peerNamespaceUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (creates a network namespace)';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? `\`ip netns\` is not available: ${r.error?.message ?? r.stderr.trim()}` : undefined;
}

/**
 * Another "machine": a network namespace joined to this one by a veth pair on a private /30
 * (this side .1, the peer .2), with a TCP listener in it. The host reaches it; traffic never
 * leaves the two namespaces. Namespaces a crashed run left are removed first.
 */
export class PeerNamespace {
  readonly ns: string;
  readonly hostIp: string;
  readonly peerIp: string;
  private listener: ChildProcess | undefined;

  constructor() {
    for (const line of ip(['netns', 'list'], true).split('\n')) {
      const name = line.split(' ')[0] ?? '';
      const m = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name);
      if (m && !isProcessAlive(Number(m[1]))) ip(['netns', 'del', name], true);
    }
    const tag = randomBytes(3).toString('hex');
    const octet = 16 + (Number.parseInt(tag.slice(0, 2), 16) % 200);
    this.ns = `${PREFIX}-${process.pid}-${tag}`;
    this.hostIp = `10.231.${octet}.1`;
    this.peerIp = `10.231.${octet}.2`;
    const hostEnd = `cc${tag}h`;
    ip(['netns', 'add', this.ns]);
    try {
      ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns]);
      ip(['addr', 'add', `${this.hostIp}/30`, 'dev', hostEnd]);
      ip(['link', 'set', hostEnd, 'up']);
      ip(['-n', this.ns, 'addr', 'add', `${this.peerIp}/30`, 'dev', 'eth0']);
      ip(['-n', this.ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', this.ns, 'link', 'set', 'lo', 'up']);
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** Starts a TCP listener in the namespace that answers `peer` to every connection; resolves with its port. */
  listen(): Promise<number> {
    const script = `const s = require('node:net').createServer((c) => c.end('peer')); s.listen(0, ${JSON.stringify(this.peerIp)}, () => console.log(s.address().port));`;
    const child = spawn('ip', ['netns', 'exec', this.ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.listener = child;
    return new Promise((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      child.once('exit', (code) => reject(new Error(`listener in ${this.ns} exited with ${code}`)));
    });
  }

  /** Kills the listener and removes the namespace (and with it both ends of the veth pair). */
  destroy(): void {
    this.listener?.kill('SIGKILL');
    for (const pid of ip(['netns', 'pids', this.ns], true).split('\n').map(Number).filter((p) => p > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    ip(['netns', 'del', this.ns], true);
  }
}
