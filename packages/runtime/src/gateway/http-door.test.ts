// The HTTP door of a running tree: real nucleus, real cell processes, a real HTTP client (and a
// Python one), the OpenAPI document checked by an OpenAPI validator.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { request } from 'node:http';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { Nucleus } from '../nucleus/nucleus.ts';
import { replicaSpans } from '../nucleus/replica-reports.ts';
import { capturedLogger, cellToml, tempDir, useTeardown, within } from '../test-fixtures/temp-cells.ts';

const deferAll = useTeardown('all');

const CONTRACT = `import { Bytes, clientStream, defineContract, notify, serverStream, Type, unary } from '@cell/sdk';
export const contract = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {
    place: unary({
      description: 'Places an order.',
      input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) }),
      output: Type.Object({ id: Type.String(), qty: Type.Integer() }),
      errors: { OutOfStock: Type.Object({ available: Type.Integer() }) },
    }),
    placed: unary({ input: Type.Object({}), output: Type.Object({ count: Type.Integer() }) }),
    watch: serverStream({ input: Type.Object({ n: Type.Integer({ minimum: 0, maximum: 100 }) }), output: Type.Object({ i: Type.Integer() }) }),
    poke: notify({ input: Type.Object({ note: Type.String() }) }),
    upload: clientStream({ input: Type.String(), output: Type.Object({ bytes: Type.Integer() }) }),
    thumb: unary({ input: Type.Object({ image: Bytes({ maxBytes: 64 }) }), output: Type.Object({ head: Bytes(), bytes: Type.Integer(), arrivedAs: Type.String() }) }),
  },
});
`;

const MAIN = `import { serve } from '@cell/sdk';
import { contract } from './contract.ts';
let placed = 0;
let poked = 0;
await serve(contract, {
  place: ({ sku, qty }, ctx) => {
    placed++;
    if (qty > 5) throw ctx.fail('OutOfStock', { available: 5 });
    return { id: sku + '-' + placed, qty };
  },
  placed: () => ({ count: placed + poked * 1000 }),
  watch: async function* ({ n }) {
    for (let i = 0; i < n; i++) yield { i };
  },
  poke: () => void poked++,
  upload: async (items) => {
    let bytes = 0;
    for await (const s of items) bytes += s.length;
    return { bytes };
  },
  thumb: ({ image }) => ({ head: image.subarray(0, 2), bytes: image.byteLength, arrivedAs: image.constructor.name }),
});
`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

function http(port: number, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the HTTP door ([gateway])', () => {
  let port: number;
  let nucleus: Nucleus;
  beforeAll(async () => {
    const root = tempDir(deferAll, {
      'cell.toml': `${cellToml('shop', { entry: false })}[gateway]\nlisten = "127.0.0.1:0"\ncells = ["orders"]\nmax_body = "64KiB"\n`,
      'cells/orders/cell.toml': cellToml('orders'),
      'cells/orders/src/contract.ts': CONTRACT,
      'cells/orders/src/main.ts': MAIN,
    });
    nucleus = Nucleus.create({ root, logger: capturedLogger().logger, typecheck: false });
    deferAll(() => within(nucleus.stop(), 20_000, 'the tree to stop').catch(() => nucleus.kill()));
    await within(nucleus.start(), 90_000, 'the tree to start');
    port = nucleus.door!.address.port;
    expect(nucleus.status().gateway).toEqual({ url: `http://127.0.0.1:${port}`, cells: ['orders'] });
  }, 120_000);

  it('describes what it serves in a valid OpenAPI 3.1 document made from the genome', async () => {
    const doc = (await http(port, 'GET', '/openapi.json')).json();
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const paths = doc['paths'] as Record<string, { post: Record<string, unknown> }>;
    expect(Object.keys(paths).sort()).toEqual(['/orders/place', '/orders/placed', '/orders/poke', '/orders/thumb', '/orders/watch']); // a client stream needs the SDK
    expect(paths['/orders/place']!.post).toMatchObject({ summary: 'Places an order.', responses: { '422': { content: { 'application/json': { schema: { properties: { code: { const: 'OutOfStock' } } } } } } } });
    expect(doc['info']).toEqual({ title: 'shop (Cell gateway)', version: '1.0.0' });
    expect(paths['/orders/thumb']!.post).toMatchObject({ requestBody: { content: { 'application/json': { schema: { properties: { image: { type: 'string', contentEncoding: 'base64' } } } } } } });
  });

  it('carries bytes as base64 text both ways, checking their byte limits', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const ok = await http(port, 'POST', '/orders/thumb', JSON.stringify({ image: b64('hello') }));
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ head: b64('he'), bytes: 5, arrivedAs: 'Buffer' });
    const large = await http(port, 'POST', '/orders/thumb', JSON.stringify({ image: Buffer.alloc(65).toString('base64') }));
    expect(large.status).toBe(400);
    expect(large.json()).toMatchObject({ code: 'CELL_E_INVALID_INPUT', details: { errors: [{ path: '/image', message: 'must not have more than 64 bytes' }] } });
    const text = await http(port, 'POST', '/orders/thumb', JSON.stringify({ image: 'not base64!' }));
    expect(text.json()).toMatchObject({ code: 'CELL_E_INVALID_INPUT', details: { errors: [{ path: '/image', message: 'must be base64 text (bytes)' }] } });
  });

  it('calls a method with a JSON body; a declared error is 422 with its typed details', async () => {
    const ok = await http(port, 'POST', '/orders/place', JSON.stringify({ sku: 'mug', qty: 2 }));
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ qty: 2, id: expect.stringMatching(/^mug-\d+$/) });
    const refused = await http(port, 'POST', '/orders/place', JSON.stringify({ sku: 'mug', qty: 9 }));
    expect(refused.status).toBe(422);
    expect(refused.json()).toEqual({ code: 'OutOfStock', message: 'OutOfStock', details: { available: 5 }, declared: true });
  });

  it("answers each call's trace id, continuing a caller's W3C traceparent (its span the call's parent)", async () => {
    const fresh = await http(port, 'POST', '/orders/placed', '{}');
    expect(fresh.headers['x-cell-trace']).toMatch(/^[0-9a-f]{32}$/);
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const continued = await http(port, 'POST', '/orders/placed', '{}', { traceparent: `00-${trace}-00f067aa0ba902b7-01` });
    expect(continued.headers['x-cell-trace']).toBe(trace);
    const { spans } = await replicaSpans(nucleus.allSupervisors(), { trace, limit: 10 });
    expect(spans).toEqual([expect.objectContaining({ cell: 'orders', method: 'placed', parent: '00f067aa0ba902b7', caller: 'gateway', outcome: 'ok' })]);
    const malformed = await http(port, 'POST', '/orders/placed', '{}', { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` });
    expect(malformed.headers['x-cell-trace']).not.toBe('0'.repeat(32));
    // A notification is traced too: the id answered is the one its span carries.
    const poked = await http(port, 'POST', '/orders/poke', JSON.stringify({ note: 'hi' }));
    const pokeTrace = String(poked.headers['x-cell-trace']);
    const deadline = Date.now() + 10_000;
    let pokeSpans = (await replicaSpans(nucleus.allSupervisors(), { trace: pokeTrace, limit: 10 })).spans;
    while (pokeSpans.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      pokeSpans = (await replicaSpans(nucleus.allSupervisors(), { trace: pokeTrace, limit: 10 })).spans;
    }
    expect(pokeSpans).toEqual([expect.objectContaining({ method: 'poke', caller: 'gateway' })]);
  });

  it('checks the input before any call, and refuses what is not JSON, too large, or not there, naming why', async () => {
    const before = (await http(port, 'POST', '/orders/placed', '')).json()['count'];
    const invalid = await http(port, 'POST', '/orders/place', JSON.stringify({ sku: 'mug', qty: 'x' }));
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toMatchObject({ code: 'CELL_E_INVALID_INPUT', details: { errors: [expect.objectContaining({ path: '/qty' })] } });
    expect((await http(port, 'POST', '/orders/place', '{"sku": ')).json()).toMatchObject({ code: 'CELL_E_INVALID_INPUT', message: expect.stringContaining('the body is not JSON') });
    const huge = await http(port, 'POST', '/orders/place', Buffer.alloc(200 * 1024, 0x20));
    expect(huge.status).toBe(413);
    expect(huge.json()).toMatchObject({ code: 'CELL_E_FRAME_TOO_LARGE' });
    expect((await http(port, 'POST', '/orders/placed', '')).json()['count']).toBe(before); // the handler never ran
    expect((await http(port, 'GET', '/orders/place')).status).toBe(405);
    const unknown = await http(port, 'POST', '/orders/nope', '{}');
    expect(unknown.status).toBe(404);
    expect(unknown.json()['message']).toBe('no method /orders/nope here (orders offers place, placed, poke, thumb, watch)');
    expect((await http(port, 'POST', '/billing/pay', '{}')).status).toBe(404);
  });

  it('streams a server stream as Server-Sent Events, and sends a notify with 202', async () => {
    const events = await http(port, 'POST', '/orders/watch', JSON.stringify({ n: 3 }));
    expect(events.headers['content-type']).toBe('text/event-stream');
    expect(events.text).toBe('data: {"i":0}\n\ndata: {"i":1}\n\ndata: {"i":2}\n\nevent: end\ndata: {}\n\n');
    expect((await http(port, 'POST', '/orders/poke', JSON.stringify({ note: 'hi' }))).status).toBe(202);
  });

  it('is called from any language: Python with its standard library', async () => {
    const script = `import json, urllib.request
req = urllib.request.Request('http://127.0.0.1:${port}/orders/place', data=json.dumps({'sku': 'tee', 'qty': 1}).encode(), method='POST')
print(json.load(urllib.request.urlopen(req))['id'])`;
    // Not execFileSync: the door answers from this very process.
    const { stdout } = await promisify(execFile)('python3', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(stdout.trim()).toMatch(/^tee-\d+$/);
  });
});
