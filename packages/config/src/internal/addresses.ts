import { isIPv4, isIPv6 } from 'node:net';
import { describe } from '../units.ts';
import { isPeerId } from './peer-id.ts';

// The network addresses cell.toml names, checked by syntax only (nothing is resolved or dialled).

/** A TCP listen address (IPv6 hosts without brackets). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/@[\]]+):(\d{1,5})$/;

/** `"0.0.0.0:7700"`, `"[::1]:7700"`, `"node-a.lan:7700"`; port 0 asks for any free port. */
export function parseHostPort(value: unknown): { ok: true; value: HostPort } | { ok: false; message: string } {
  const m = typeof value === 'string' ? HOST_PORT.exec(value) : null;
  const host = m?.[1]!.replace(/^\[|\]$/g, '');
  if (!m || Number(m[2]) > 65535 || (m[1]!.startsWith('[') && !isIPv6(host!))) {
    return { ok: false, message: `expected "host:port" (e.g. "0.0.0.0:7700", "[::1]:7700"; port 0 to 65535), got ${describe(value)}` };
  }
  return { ok: true, value: { host: host!, port: Number(m[2]) } };
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** True when two listen addresses would claim the same TCP port (a wildcard host overlaps every host). */
export function isSameListenAddress(a: HostPort, b: HostPort): boolean {
  if (a.port === 0 || a.port !== b.port) return false;
  return a.host === b.host || WILDCARDS.has(a.host) || WILDCARDS.has(b.host);
}

const AXON_URL = /^axon:\/\/(?:([^@/]*)@)?([^/:@\s[\]]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/;

/** Why `value` is not an `axon://[peer-id@]host:port` address, or undefined when it is one. */
export function axonUrlProblem(value: unknown): string | undefined {
  const m = typeof value === 'string' ? AXON_URL.exec(value) : null;
  if (m && Number(m[3]) <= 65535 && (m[1] === undefined || isPeerId(m[1]))) return undefined;
  const key = m?.[1] !== undefined && !isPeerId(m[1]) ? ` ("${m[1]}" is not a node key)` : '';
  return `expected a node address like "axon://10.0.0.7:7700" or "axon://12D3KooW...@10.0.0.7:7700", got ${describe(value)}${key}`;
}

const BOOTSTRAP_EXAMPLE = '"/ip4/203.0.113.7/tcp/7701/p2p/12D3KooW..."';
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Why `value` is not a bootstrap address the control plane can dial, or undefined when it is one:
 * `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>/p2p/<peer-id>` or `/dnsaddr/<host>/p2p/<peer-id>`.
 * libp2p throws on an unparsable multiaddr and silently drops one without a peer id.
 */
export function bootstrapAddressProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/')) {
    return `${describe(value)} is not a bootstrap address; expected a libp2p multiaddr like ${BOOTSTRAP_EXAMPLE}`;
  }
  const parts = value.split('/').slice(1);
  const [proto, host] = parts;
  const tail = proto === 'dnsaddr' ? parts.slice(2) : parts.slice(4);
  const peer = tail.length === 2 && (tail[0] === 'p2p' || tail[0] === 'ipfs') ? tail[1] : undefined;
  const why = (reason: string) => `"${value}" is not a bootstrap address: ${reason}; expected e.g. ${BOOTSTRAP_EXAMPLE}`;
  if (!['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr'].includes(proto!)) return why('it must start with /ip4/, /ip6/, /dns/, /dns4/, /dns6/ or /dnsaddr/');
  if (proto === 'ip4' && !isIPv4(host!)) return why(`"${host}" is not an IPv4 address`);
  if (proto === 'ip6' && !isIPv6(host!)) return why(`"${host}" is not an IPv6 address`);
  if (proto!.startsWith('dns') && !HOSTNAME.test(host!)) return why(`"${host}" is not a host name`);
  if (proto !== 'dnsaddr') {
    const port = parts[3];
    if (parts[2] !== 'tcp' || !/^\d{1,5}$/.test(port ?? '') || Number(port) < 1 || Number(port) > 65535) {
      return why('the host must be followed by /tcp/<port> (port 1 to 65535)');
    }
  }
  if (peer === undefined) return why("it must end with /p2p/<peer id> of the bootstrap node (libp2p ignores an address without one)");
  if (!isPeerId(peer)) return why(`"${peer}" is not a node key (an Ed25519 peer id like "12D3KooW...")`);
  return undefined;
}
