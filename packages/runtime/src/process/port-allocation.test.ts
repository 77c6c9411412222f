import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { allocatePorts, LOCAL_HOST, portVariables } from './port-allocation.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
const listen = async (): Promise<number> => {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, LOCAL_HOST, r));
  return (s.address() as { port: number }).port;
};

describe('allocatePorts', () => {
  it('gives each replica its own free ports, in declaration order', async () => {
    const all = await allocatePorts('api', [{ name: 'http', port: 0 }, { name: 'admin', port: 0 }], 3);
    expect(all.map((r) => r.map((p) => p.name))).toEqual([['http', 'admin'], ['http', 'admin'], ['http', 'admin']]);
    const numbers = all.flat().map((p) => p.port);
    expect(new Set(numbers).size).toBe(6);
    for (const n of numbers) expect(n).toBeGreaterThan(0);
    expect(portVariables(all[1]!)).toEqual({ PORT: String(all[1]![0]!.port), PORT_HTTP: String(all[1]![0]!.port), PORT_ADMIN: String(all[1]![1]!.port) });
    expect(portVariables(all[0]!, 'CELL_DEP_API_')).toHaveProperty('CELL_DEP_API_PORT_ADMIN', String(all[0]![1]!.port));
  });

  it('keeps a free fixed port, and refuses one in use or one shared by replicas', async () => {
    const busy = await listen();
    await expect(allocatePorts('api', [{ name: 'http', port: busy }], 1)).rejects.toMatchObject({
      code: 'CELL_E_START_FAILED',
      message: `cell api: port http = ${busy} is already in use on 127.0.0.1`,
    });
    await new Promise((r) => servers.pop()!.close(r));
    expect(await allocatePorts('api', [{ name: 'http', port: busy }], 1)).toEqual([[{ name: 'http', port: busy }]]);
    await expect(allocatePorts('api', [{ name: 'http', port: busy }], 2)).rejects.toThrow('fixed port http = ' + busy + ' cannot serve 2 replicas');
  });
});
