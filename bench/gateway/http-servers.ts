// The HTTP baselines of the gateway bench, one per process: `node http-servers.ts <plain|fastify> <port>`
// listens on that local port, prints a line once it does, and answers POST /orders/place as the cell does —
// the body parsed and checked against the same schema, the same JSON answered.
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { Compile } from 'typebox/compile';
import { PLACE_INPUT, place } from './place.ts';

const kind = process.argv[2];
const port = Number(process.argv[3]);
if (kind === 'plain') {
  const check = Compile(PLACE_INPUT);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sku: string; qty: number };
      const [status, body] = check.Check(input) ? [200, JSON.stringify(place(input))] : [400, '{"code":"CELL_E_INVALID_INPUT"}'];
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(port, '127.0.0.1', () => console.log('listening'));
} else if (kind === 'fastify') {
  const app = Fastify({ logger: false });
  app.post('/orders/place', { schema: { body: PLACE_INPUT } }, async (req) => place(req.body as { sku: string; qty: number }));
  await app.listen({ port, host: '127.0.0.1' });
  console.log('listening');
} else {
  throw new Error(`unknown server ${kind}`);
}
