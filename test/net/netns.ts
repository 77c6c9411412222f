import { spawnSync } from 'node:child_process';
import { isProcessAlive } from '@cell/host';

/** One simulated machine: a Linux network namespace with one interface on the test LAN. */
export interface TestHost {
  name: string;
  ns: string;
  ip: string;
  /** The bridge-side end of its cable (what `unplug` takes down). */
  port: string;
}

const PREFIX = 'cellt';

function ip(args: string[], allowFail = false): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Why network tests cannot run here, or undefined when they can (root and `ip netns`). */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network tests need root (they create network namespaces)';
  const probe = `${PREFIX}-probe-${process.pid}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `\`ip netns\` is not available: ${r.error?.message ?? r.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

/** Removes namespaces left by earlier runs whose creating process is gone (a crashed test). */
function removeStale(): void {
  for (const line of ip(['netns', 'list'], true).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name);
    if (m && !isProcessAlive(Number(m[1]))) {
      for (const pid of ip(['netns', 'pids', name], true).split('\n').map(Number).filter((p) => p > 0)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      ip(['netns', 'del', name], true);
    }
  }
}

/**
 * A LAN of `count` hosts (10.77.0.1, .2, ...) joined by a bridge that lives in its own
 * namespace: nothing touches the machine's own network. `destroy` removes it all, and a later run
 * removes what a crashed one left.
 */
export class TestNetwork {
  readonly hosts: TestHost[] = [];
  private readonly bridgeNs: string;
  private destroyed = false;

  private constructor(count: number) {
    removeStale();
    const id = `${PREFIX}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    this.bridgeNs = `${id}-br`;
    ip(['netns', 'add', this.bridgeNs]);
    try {
      ip(['-n', this.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
      ip(['-n', this.bridgeNs, 'link', 'set', 'br0', 'up']);
      for (let i = 0; i < count; i++) {
        const host: TestHost = { name: `h${i + 1}`, ns: `${id}-h${i + 1}`, ip: `10.77.0.${i + 1}`, port: `p${i + 1}` };
        ip(['netns', 'add', host.ns]);
        ip(['link', 'add', 'eth0', 'netns', host.ns, 'type', 'veth', 'peer', 'name', host.port, 'netns', this.bridgeNs]);
        ip(['-n', host.ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0']);
        ip(['-n', host.ns, 'link', 'set', 'eth0', 'up']);
        ip(['-n', host.ns, 'link', 'set', 'lo', 'up']);
        // mDNS multicasts to 224.0.0.251: give it a route on the LAN.
        ip(['-n', host.ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
        ip(['-n', this.bridgeNs, 'link', 'set', host.port, 'master', 'br0']);
        ip(['-n', this.bridgeNs, 'link', 'set', host.port, 'up']);
        this.hosts.push(host);
      }
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  static create(count: number): TestNetwork {
    return new TestNetwork(count);
  }

  host(name: string): TestHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** Command prefix that runs a program on a host. */
  exec(host: TestHost): string[] {
    return ['ip', 'netns', 'exec', host.ns];
  }

  /**
   * Command prefix that runs a program on a host without `ip netns exec`'s fresh /sys (which hides
   * the cgroup mounts a donor's capsids need): only the network namespace is entered.
   */
  enter(host: TestHost): string[] {
    return ['nsenter', `--net=/run/netns/${host.ns}`];
  }

  /** Pulls a host's cable: its link on the bridge goes down. */
  unplug(host: TestHost): void {
    ip(['-n', this.bridgeNs, 'link', 'set', host.port, 'down']);
  }

  plugIn(host: TestHost): void {
    ip(['-n', this.bridgeNs, 'link', 'set', host.port, 'up']);
  }

  /** Kills every process on the hosts and removes all namespaces (and with them the links). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const ns of [...this.hosts.map((h) => h.ns), this.bridgeNs]) {
      for (const pid of ip(['netns', 'pids', ns], true).split('\n').map(Number).filter((p) => p > 0)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      ip(['netns', 'del', ns], true);
    }
  }
}
