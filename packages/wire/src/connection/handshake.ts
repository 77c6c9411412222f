import { Type, type Static, type TSchema } from 'typebox';
import { Check, Errors } from 'typebox/value';
import { lazyValidator } from '@cell/contract';
import { CellError } from '@cell/protocol';
import { MIN_FRAME_BYTES, MIN_WINDOW_BYTES } from '../limits.ts';


/** Wire protocol version spoken in HELLO. */
export const PROTOCOL_VERSION = 1;

/** Built-in method every membrane answers with its full genome. */
export const GENOME_METHOD = '$genome';

// msgpack peers may send nil for an absent field: both mean "not given".
const Text = Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()]));
const Size = (minimum: number) => Type.Integer({ minimum, maximum: 0xffff_ffff });

const ClientHelloSchema = Type.Object({
  v: Type.Literal(PROTOCOL_VERSION),
  role: Type.Literal('client'),
  /** Name of the cell the caller expects to reach. */
  target: Text,
  /** Fingerprint of the genome the caller was built against. */
  fingerprint: Text,
  cell: Text,
  replica: Text,
  maxFrameBytes: Size(MIN_FRAME_BYTES),
  windowBytes: Size(MIN_WINDOW_BYTES),
});

const ServerHelloSchema = Type.Object({
  v: Type.Literal(PROTOCOL_VERSION),
  role: Type.Literal('server'),
  name: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.String({ minLength: 1, maxLength: 256 }),
  fingerprint: Type.String({ minLength: 1, maxLength: 256 }),
  replica: Text,
  /** Process id of the serving process (tells two generations of one replica apart). */
  pid: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  maxFrameBytes: Size(MIN_FRAME_BYTES),
  windowBytes: Size(MIN_WINDOW_BYTES),
  /** The membrane reads a REQUEST's parent span (flag 0x10); callers send none to one that does not say so. */
  spans: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  /**
   * The membrane takes calls sent with the handshake (flag 0x20), running them only when the
   * caller's HELLO names its genome fingerprint (or none): a caller that saw this sends its first
   * calls on its next connection without waiting for the HELLO.
   */
  early: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});

type Absent<T> = { [K in keyof T]: Exclude<T[K], null> };

/** First frame a caller sends (absent fields are undefined, never null). */
export type ClientHello = Absent<Static<typeof ClientHelloSchema>>;
/** The membrane's answer. */
export type ServerHello = Absent<Static<typeof ServerHelloSchema>>;

/** One bad field of a HELLO: its name and what is wrong with it. */
interface HandshakeProblem {
  field: string;
  message: string;
}

// Interpreted for a process's first two connections, compiled from the third (~50 µs a check saved there).
const clientHello = lazyValidator(ClientHelloSchema, 2);
const serverHello = lazyValidator(ServerHelloSchema, 2);

function parse<T>(body: unknown, schema: typeof ClientHelloSchema | typeof ServerHelloSchema, role: string): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad([{ field: '(body)', message: 'is not a map' }]);
  const o = body as Record<string, unknown>;
  if (o['v'] !== PROTOCOL_VERSION) throw bad([{ field: 'v', message: `unsupported protocol version ${JSON.stringify(o['v'])}, expected ${PROTOCOL_VERSION}` }]);
  if (o['role'] !== role) throw bad([{ field: 'role', message: `must be ${role}` }]);
  if (!(schema === ClientHelloSchema ? clientHello : serverHello).check(o)) throw bad(fieldProblems(schema, o));
  // Only the declared fields, nulls as undefined: nothing else a peer sends reaches us.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = (o as Record<string, unknown>)[key];
    if (v !== null && v !== undefined) out[key] = v;
  }
  return out as T;
}

/**
 * Every bad field, each checked on its own: TypeBox stops collecting errors after a few (and a
 * union reports one error per branch), which would leave later bad fields unnamed.
 */
function fieldProblems(schema: typeof ClientHelloSchema | typeof ServerHelloSchema, o: Record<string, unknown>): HandshakeProblem[] {
  const problems: HandshakeProblem[] = [];
  for (const [field, fieldSchema] of Object.entries(schema.properties)) {
    const one = Type.Object({ [field]: fieldSchema as TSchema });
    const value = Object.hasOwn(o, field) ? { [field]: o[field] } : {};
    if (!Check(one, value)) problems.push({ field, message: Errors(one, value)[0]?.message ?? 'is malformed' });
  }
  return problems.length > 0 ? problems : [{ field: '(body)', message: 'is malformed' }];
}

function bad(problems: HandshakeProblem[]): CellError {
  const message = problems.map((p) => `${p.field} ${p.message}`).join('; ');
  return new CellError('CELL_E_PROTOCOL', `bad handshake: ${message}`, { details: { problems } });
}

/** Validates a caller's HELLO body; throws CELL_E_PROTOCOL naming every bad field (`details.problems`). */
export function parseClientHello(body: unknown): ClientHello {
  return parse<ClientHello>(body, ClientHelloSchema, 'client');
}

/** Validates a membrane's HELLO body. */
export function parseServerHello(body: unknown): ServerHello {
  return parse<ServerHello>(body, ServerHelloSchema, 'server');
}
