import { createServer } from 'node:net';
import { CellError } from '@cell/protocol';
import type { PortSpec } from '@cell/config';

/** The host process cells listen on and their dependents reach them at. */
export const LOCAL_HOST = '127.0.0.1';

/** One replica's ports, by name, in declaration order (the first is also `PORT`). */
export type ReplicaPorts = ReadonlyArray<{ readonly name: string; readonly port: number }>;

/** Binds `port` (0: any) on the local host and lets it go; resolves the port, or the bind error's code. */
function probe(port: number): Promise<{ port: number } | { code: string }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve({ code: err.code ?? err.message }));
    server.listen({ port, host: LOCAL_HOST, exclusive: true }, () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve({ port: bound }));
    });
  });
}

/**
 * The ports of every replica of a cell: a free one the OS picks for each allocated port (kept
 * by the replica across restarts, so dependents' addresses stay true), the number itself for a
 * fixed one, which must be free now and cannot serve more than one replica.
 */
export async function allocatePorts(cell: string, specs: readonly PortSpec[], replicas: number): Promise<ReplicaPorts[]> {
  const fixed = specs.filter((s) => s.port !== 0);
  if (fixed.length > 0 && replicas > 1) {
    throw new CellError('CELL_E_START_FAILED', `cell ${cell}: fixed port ${fixed[0]!.name} = ${fixed[0]!.port} cannot serve ${replicas} replicas; let the nucleus pick (ports = ["${fixed[0]!.name}"])`, {
      details: { cell, port: fixed[0]!.port },
    });
  }
  const taken = new Set<number>();
  const out: ReplicaPorts[] = [];
  for (let r = 0; r < replicas; r++) {
    const ports: { name: string; port: number }[] = [];
    for (const spec of specs) {
      let got = await probe(spec.port);
      // The OS may hand out a port twice between probes: ask again (bounded) until it is new here.
      for (let i = 0; i < 20 && spec.port === 0 && 'port' in got && taken.has(got.port); i++) got = await probe(0);
      if ('code' in got) {
        const why = got.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${got.code})`;
        throw new CellError('CELL_E_START_FAILED', `cell ${cell}: port ${spec.name} = ${spec.port} ${why} on ${LOCAL_HOST}`, { details: { cell, port: spec.port, code: got.code } });
      }
      taken.add(got.port);
      ports.push({ name: spec.name, port: got.port });
    }
    out.push(ports);
  }
  return out;
}

/** `PORT` (the first) and `PORT_<NAME>` for each. */
export function portVariables(ports: ReplicaPorts, prefix = ''): Record<string, string> {
  const vars: Record<string, string> = {};
  if (ports[0]) vars[`${prefix}PORT`] = String(ports[0].port);
  for (const p of ports) vars[`${prefix}PORT_${p.name.toUpperCase()}`] = String(p.port);
  return vars;
}

/** `{ ports: { http: 41234 } }` for a log line; nothing when there are none. */
export function portsByName(ports: ReplicaPorts): { ports?: Record<string, number> } {
  return ports.length > 0 ? { ports: Object.fromEntries(ports.map((p) => [p.name, p.port])) } : {};
}
