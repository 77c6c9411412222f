import { CellError } from '@cell/protocol';

/** Wire protocol version spoken in HELLO. */
export const PROTOCOL_VERSION = 1;

/** Built-in method every membrane answers with its full genome. */
export const GENOME_METHOD = '$genome';

/** First frame a caller sends. */
export interface ClientHello {
  v: number;
  role: 'client';
  /** Name of the cell the caller expects to reach. */
  target?: string | undefined;
  /** Fingerprint of the genome the caller was built against. */
  fingerprint?: string | undefined;
  cell?: string | undefined;
  replica?: string | undefined;
  maxFrameBytes: number;
  windowBytes: number;
}

/** The membrane's answer. */
export interface ServerHello {
  v: number;
  role: 'server';
  name: string;
  version: string;
  fingerprint: string;
  replica?: string | undefined;
  /** Process id of the serving process (tells two generations of one replica apart). */
  pid?: number | undefined;
  maxFrameBytes: number;
  windowBytes: number;
}

const MIN_FRAME_BYTES = 1024;
const MIN_WINDOW_BYTES = 1024;

function bad(message: string): CellError {
  return new CellError('CELL_E_PROTOCOL', `bad handshake: ${message}`);
}

function optionalString(o: Record<string, unknown>, key: string, max = 256): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw bad(`${key} must be a string of at most ${max} chars`);
  return v;
}

function size(o: Record<string, unknown>, key: string, min: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 0xffff_ffff) throw bad(`${key} must be an integer >= ${min}`);
  return v;
}

function record(body: unknown, role: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('body is not a map');
  const o = body as Record<string, unknown>;
  if (o['v'] !== PROTOCOL_VERSION) throw bad(`unsupported protocol version ${JSON.stringify(o['v'])}, expected ${PROTOCOL_VERSION}`);
  if (o['role'] !== role) throw bad(`role must be ${role}`);
  return o;
}

/** Validates a caller's HELLO body; throws CELL_E_PROTOCOL naming the bad field. */
export function parseClientHello(body: unknown): ClientHello {
  const o = record(body, 'client');
  return {
    v: PROTOCOL_VERSION,
    role: 'client',
    target: optionalString(o, 'target'),
    fingerprint: optionalString(o, 'fingerprint'),
    cell: optionalString(o, 'cell'),
    replica: optionalString(o, 'replica'),
    maxFrameBytes: size(o, 'maxFrameBytes', MIN_FRAME_BYTES),
    windowBytes: size(o, 'windowBytes', MIN_WINDOW_BYTES),
  };
}

/** Validates a membrane's HELLO body. */
export function parseServerHello(body: unknown): ServerHello {
  const o = record(body, 'server');
  const name = optionalString(o, 'name');
  const version = optionalString(o, 'version');
  const fingerprint = optionalString(o, 'fingerprint');
  if (!name || !version || !fingerprint) throw bad('name, version and fingerprint are required');
  return {
    v: PROTOCOL_VERSION,
    role: 'server',
    name,
    version,
    fingerprint,
    replica: optionalString(o, 'replica'),
    pid: typeof o['pid'] === 'number' && Number.isInteger(o['pid']) ? o['pid'] : undefined,
    maxFrameBytes: size(o, 'maxFrameBytes', MIN_FRAME_BYTES),
    windowBytes: size(o, 'windowBytes', MIN_WINDOW_BYTES),
  };
}
