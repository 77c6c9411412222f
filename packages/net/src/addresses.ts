import { networkInterfaces } from 'node:os';
import { CellError } from '@cell/protocol';

/** The IPv4 addresses other nodes can reach this one on: the host itself, or every external interface for `0.0.0.0`. */
export function ownAddresses(host: string, interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const out: string[] = [];
  for (const list of Object.values(interfaces)) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  return out.length > 0 ? out : ['127.0.0.1'];
}

/** `host:port` (IPv6 in brackets) split in two. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(addr.slice(i + 1)) };
}

/** `axon://[peer-id@]host:port` */
export function parseAxonUrl(url: string): { node: string | undefined; host: string; port: number } {
  const m = /^axon:\/\/(?:([^@]+)@)?(.+):(\d+)$/.exec(url);
  if (!m) throw new CellError('CELL_E_INVALID_ARGUMENT', `not an axon address: ${url}`);
  return { node: m[1], host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

/** An IPv4 address as seen on a dual-stack socket (`::ffff:10.0.0.1`), plain. */
export function unmapIpv4(address: string): string {
  return address.replace(/^::ffff:/, '');
}
