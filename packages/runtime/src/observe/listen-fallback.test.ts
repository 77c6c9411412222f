import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@cell/sdk';
import { listenWithFallback } from './listen-fallback.ts';

const servers = [createServer(), createServer()];
afterEach(async () => {
  for (const s of servers) if (s.listening) await new Promise((r) => s.close(r));
});

describe('listenWithFallback', () => {
  it('listens on the port asked, or on a free one of the same host when it is taken (logged)', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } } as never);
    const first = await listenWithFallback(servers[0]!, { host: '127.0.0.1', port: 0 }, log, 'test');
    expect(first.port).toBeGreaterThan(0);
    const second = await listenWithFallback(servers[1]!, { host: '127.0.0.1', port: first.port }, log, 'test');
    expect(second.port).not.toBe(first.port);
    expect(lines).toEqual([expect.objectContaining({ msg: 'port taken; serving on a free one', endpoint: 'test', wanted: `127.0.0.1:${first.port}` })]);
  });
});
