import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CellError, toCellError } from '@cell/protocol';
import { compileValidator, type Genome, type Validator } from '@cell/contract';
import type { GatewayConfig } from '@cell/config';
import { connectDynamic, type DynamicSynapse, type Logger } from '@cell/sdk';
import { errorBody, statusOf } from './error-status.ts';
import { bytesFromJson, bytesToJson } from './json-bytes.ts';
import { EXPOSED_KINDS, openApiDocument } from './openapi.ts';
import { traceOf } from './trace-header.ts';

/** A cell the door exposes: where it runs, and its genome as it is now. */
export interface DoorCell {
  name: string;
  dir: string;
  genome(): Genome | undefined;
}

/** Longest deadline a request may ask for (`x-cell-timeout-ms`); the default is the SDK's 30 s. */
const MAX_TIMEOUT_MS = 10 * 60_000;

/**
 * The HTTP door of a tree (`[gateway]`): `POST /<cell>/<method>` with the input as a JSON body
 * calls the method and answers its result as JSON (a notify: 202; a server stream: Server-Sent
 * Events), errors as the SDK gives them with a status (docs/gateway.md). The input is checked
 * against the method's schema before any call; a body over `max_body` is refused unread. Bytes
 * (`Bytes` in a contract) travel as base64 text both ways.
 * `GET /openapi.json` describes it all, from the genomes.
 */
export class HttpDoor {
  private readonly server: Server;
  private readonly cells: Map<string, DoorCell>;
  private readonly config: GatewayConfig;
  private readonly title: { name: string; version: string };
  private readonly log: Logger;
  private readonly clients = new Map<string, DynamicSynapse>();
  private readonly validators = new WeakMap<object, Validator>();
  /** The name calls through the door carry as their caller (spans, logs): `gateway`, or the server mounting its routes. */
  private readonly caller: string;

  private constructor(config: GatewayConfig, cells: DoorCell[], title: { name: string; version: string }, log: Logger, caller = 'gateway') {
    this.config = config;
    this.caller = caller;
    this.cells = new Map(cells.map((c) => [c.name, c]));
    this.title = title;
    this.log = log;
    this.server = createServer({ requestTimeout: 60_000, headersTimeout: 10_000 }, (req, res) => this.answer(req, res));
  }

  /**
   * The door's routes without a server of their own, for another server to mount (the dashboard's
   * API explorer calls methods through them): `answer(req, res, path)` with the path below the mount.
   */
  static routes(config: GatewayConfig, cells: DoorCell[], title: { name: string; version: string }, log: Logger, caller: string): HttpDoor {
    return new HttpDoor(config, cells, title, log, caller);
  }

  /** Answers one request (`path`: the request's path, by default its URL's). */
  answer(req: IncomingMessage, res: ServerResponse, path = (req.url ?? '/').split('?')[0]!): void {
    this.handle(req, res, path).catch((err: unknown) => this.fail(res, toCellError(err)));
  }

  static async open(config: GatewayConfig, cells: DoorCell[], title: { name: string; version: string }, log: Logger): Promise<HttpDoor> {
    const door = new HttpDoor(config, cells, title, log);
    await new Promise<void>((resolve, reject) => {
      door.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new CellError('CELL_E_INVALID_ARGUMENT', `[gateway] cannot listen on ${config.listen.host}:${config.listen.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`)),
      );
      door.server.listen(config.listen.port, config.listen.host, () => resolve());
    });
    return door;
  }

  /** Where it listens (the port the OS picked for port 0). */
  get address(): { host: string; port: number } {
    return { host: this.config.listen.host, port: (this.server.address() as { port: number }).port };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
    await Promise.all([...this.clients.values()].map((c) => c.$close()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/openapi.json') return this.send(res, 200, this.openApi());
    if (req.method === 'GET' && path === '/') return this.send(res, 200, { openapi: '/openapi.json', cells: Object.fromEntries([...this.cells.keys()].map((c) => [c, this.methodsOf(c)])) });
    const [, cellName, method, extra] = path.split('/');
    const cell = cellName ? this.cells.get(decodeURIComponent(cellName)) : undefined;
    const name = method ? decodeURIComponent(method) : '';
    const def = cell && extra === undefined ? cell.genome()?.methods[name] : undefined;
    if (!cell || !def || !EXPOSED_KINDS.has(def.kind)) {
      const known = cell ? ` (${cell.name} offers ${this.methodsOf(cell.name).join(', ') || 'nothing over HTTP'})` : ` (cells: ${[...this.cells.keys()].join(', ')})`;
      return this.fail(res, new CellError('CELL_E_UNKNOWN_METHOD', `no method ${path} here${known}`));
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return this.send(res, 405, errorBody(new CellError('CELL_E_INVALID_ARGUMENT', `${path} is called with POST`)));
    }
    // Bytes travel over JSON as base64 text (docs/gateway.md#bytes).
    const { value: input, issues: notBase64 } = bytesFromJson(def.input, await this.body(req));
    const validator = this.validatorOf(def.input);
    if (notBase64.length > 0 || !validator.check(input)) {
      const errors = notBase64.length > 0 ? notBase64 : validator.issues(input);
      return this.fail(res, new CellError('CELL_E_INVALID_INPUT', `invalid input for ${cell.name}.${name}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { details: { errors } }));
    }
    const client = this.clientOf(cell);
    const options = { timeoutMs: this.timeoutOf(req), ...traceOf(req) };
    res.setHeader('x-cell-trace', options.traceId.toString('hex'));
    if (def.kind === 'notify') {
      await client.notify(name, input, options);
      return this.send(res, 202, {});
    }
    if (def.kind === 'serverStream') return this.stream(res, client.stream(name, input, options));
    this.send(res, 200, await client.call(name, input, options));
  }

  /** Server-Sent Events: each item as `data: <json>`, then `event: end`, or `event: error` with the error. The caller leaving ends the call. */
  private async stream(res: ServerResponse, items: AsyncIterable<unknown>): Promise<void> {
    const iterator = items[Symbol.asyncIterator]();
    res.once('close', () => void iterator.return?.());
    let started = false;
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!started) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          started = true;
        }
        if (!res.write(`data: ${JSON.stringify(bytesToJson(next.value))}\n\n`)) await new Promise((r) => res.once('drain', r));
      }
      if (!started) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end('event: end\ndata: {}\n\n');
    } catch (err) {
      if (!started) return this.fail(res, toCellError(err));
      res.end(`event: error\ndata: ${JSON.stringify(bytesToJson(errorBody(toCellError(err))))}\n\n`);
    }
  }

  /** The JSON body, read up to `max_body` (a longer one is refused at once, unread); empty is `{}`. */
  private body(req: IncomingMessage): Promise<unknown> {
    const limit = this.config.maxBodyBytes;
    const tooLarge = () => new CellError('CELL_E_FRAME_TOO_LARGE', `the body is larger than the gateway's max_body of ${limit} bytes`);
    if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          req.removeAllListeners('data');
          req.resume();
          reject(tooLarge());
        } else chunks.push(chunk);
      });
      req.once('error', reject);
      req.once('end', () => {
        if (size > limit) return;
        const text = Buffer.concat(chunks).toString('utf8').trim();
        try {
          resolve(text === '' ? {} : JSON.parse(text));
        } catch (err) {
          reject(new CellError('CELL_E_INVALID_INPUT', `the body is not JSON: ${(err as Error).message}`, { details: { errors: [{ path: '/', message: 'not JSON' }] } }));
        }
      });
    });
  }

  private timeoutOf(req: IncomingMessage): number | undefined {
    const asked = Number(req.headers['x-cell-timeout-ms']);
    return Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_TIMEOUT_MS) : undefined;
  }

  private clientOf(cell: DoorCell): DynamicSynapse {
    let client = this.clients.get(cell.name);
    if (!client) this.clients.set(cell.name, (client = connectDynamic({ cell: cell.dir, name: cell.name, caller: { cell: this.caller } })));
    return client;
  }

  private validatorOf(schema: object): Validator {
    let v = this.validators.get(schema);
    if (!v) this.validators.set(schema, (v = compileValidator(schema as never)));
    return v;
  }

  private methodsOf(cell: string): string[] {
    const genome = this.cells.get(cell)?.genome();
    return Object.entries(genome?.methods ?? {})
      .filter(([, m]) => EXPOSED_KINDS.has(m.kind))
      .map(([n]) => n);
  }

  private openApi(): Record<string, unknown> {
    const cells = [...this.cells.values()].flatMap((c) => {
      const genome = c.genome();
      return genome ? [{ name: c.name, genome }] : [];
    });
    return openApiDocument(`${this.title.name} (Cell gateway)`, this.title.version, cells);
  }

  private fail(res: ServerResponse, error: CellError<string>): void {
    if (res.headersSent) return void res.destroy();
    if (statusOf(error) >= 500) this.log.warn({ code: error.code, err: error }, 'gateway call failed');
    if (error.code === 'CELL_E_FRAME_TOO_LARGE') res.setHeader('connection', 'close');
    this.send(res, statusOf(error), errorBody(error));
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(bytesToJson(body ?? null));
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
