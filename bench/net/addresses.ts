import { loadAxonCredentials } from '@cell/wire';
/** `host:port` */
export function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/** The node identity named by an environment variable of the bench harness. */
export function identityFrom(variable: string) {
  const file = process.env[variable];
  if (!file) throw new Error(`${variable} must name a node identity file`);
  return loadAxonCredentials(file);
}
