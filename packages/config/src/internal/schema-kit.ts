import Type, { type StaticDecode, type TProperties, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { DecodeUnsafe } from 'typebox/value';
import { CellError } from '@cell/protocol';
import { formatDuration, type Parsed, parseBytes, parseCpu, parseDuration, parseDurationRange } from '../units.ts';
import { peerIdProblem } from './peer-id.ts';

// Building blocks of the cell.toml schemas. A schema gives a key its shape, its check, its default
// (written as in cell.toml: `"5s"`) and, through a decode step, its conversion (`"5s"` -> 5000), so
// each key's rules live in one place. The wording options below are read by schema-problems.

/** How a schema words its problems (extra schema options; TypeBox keeps and ignores them). */
export interface Wording {
  /** What a valid value looks like: the problem reads `expected <this>, got <value>`. */
  expected?: string;
  /** The whole message for a wrong value; takes precedence over `expected`. */
  message?: (value: unknown) => string;
  /** The message when the key is required and absent (default: `expected ..., got nothing`). */
  missing?: string;
}

/** A table: only the listed keys (others are reported with "did you mean"). */
export function table<P extends TProperties>(properties: P, options: Wording & { default?: unknown } = {}) {
  return Type.Object(properties, { additionalProperties: false, expected: 'a table', ...options });
}

/** A unit cell.toml reads from a string (or also a number): its parser is its check and its conversion. */
export interface Unit<T> {
  readonly parse: (value: unknown) => Parsed<T>;
  /** JSON types the key may hold before parsing (anything else is reported with the parser's message). */
  readonly accepts: 'string' | 'number' | 'string or number';
}

const messageOf = (parsed: Parsed<unknown>): string => (parsed.ok ? '' : parsed.message);
const valueOf = <T>(parsed: Parsed<T>): T => (parsed as { ok: true; value: T }).value;

/** A key holding a unit: refined by the parser, decoded to the parser's value. */
export function parsed<T>(unit: Unit<T>, options: { default?: string } = {}) {
  const message = (v: unknown) => messageOf(unit.parse(v));
  const wording = { message, ...options };
  const base =
    unit.accepts === 'string' ? Type.String(wording) : unit.accepts === 'number' ? Type.Number(wording) : Type.Union([Type.Number(), Type.String()], wording);
  return Type.Decode(
    Type.Refine(base, (v) => unit.parse(v).ok, message),
    (v) => valueOf(unit.parse(v)),
  );
}

/** Refuses parsed numbers below `min` (a duration or size too small to work) with `rule`, which names the limit. */
function atLeast(parse: (v: unknown) => Parsed<number>, min: number, rule: string): (v: unknown) => Parsed<number> {
  return (v) => {
    const p = parse(v);
    return p.ok && p.value < min ? { ok: false, message: `${rule}; got ${JSON.stringify(v)}` } : p;
  };
}

/** A duration (`"10s"`) in milliseconds; `minMs` refuses shorter ones. */
export function durationUnit(minMs = 0): Unit<number> {
  return { parse: minMs > 0 ? atLeast(parseDuration, minMs, `must be at least ${formatDuration(minMs)}`) : parseDuration, accepts: 'string' };
}

/** A size (`"256MB"`) in bytes; with `min`, smaller ones are refused with its rule. */
export function sizeUnit(min?: { bytes: number; rule: string }): Unit<number> {
  return { parse: min ? atLeast(parseBytes, min.bytes, min.rule) : parseBytes, accepts: 'string' };
}

/** CPU cores: `0.5` or `"500m"`. */
export const CPU: Unit<number> = { parse: parseCpu, accepts: 'string or number' };

/** A duration key: `duration({ default: '5s' })`. */
export function duration(options: { default?: string; minMs?: number } = {}) {
  return parsed(durationUnit(options.minMs), options.default === undefined ? {} : { default: options.default });
}

/** `"100ms..5s"` decoded to `{ minMs, maxMs }`. */
export function durationRange(options: { default?: string } = {}) {
  return parsed({ parse: parseDurationRange, accepts: 'string' }, options);
}

/**
 * A resource range: a maximum (`"256MB"`) or a table `{ min, max }` with min not above max;
 * decoded to `{ min, max }` (either may be undefined).
 */
export function range(min: Unit<number>, max: Unit<number>, expected: string) {
  const bounds = Type.Refine(
    table({ min: Type.Optional(parsed(min)), max: Type.Optional(parsed(max)) }, { expected }),
    (t) => {
      const lo = min.parse(t.min);
      const hi = max.parse(t.max);
      return !(t.min !== undefined && t.max !== undefined && lo.ok && hi.ok && lo.value > hi.value);
    },
    () => 'min is above max',
  );
  const message = (v: unknown) => messageOf(max.parse(v)) || `expected ${expected}, got a table`;
  return Type.Union(
    [
      Type.Decode(parsed(max), (value) => ({ min: undefined as number | undefined, max: value as number | undefined })),
      Type.Decode(bounds, (t) => ({ min: t.min, max: t.max })),
    ],
    { message },
  );
}

/** A whole number from `minimum` to `maximum`. */
export function wholeNumber(minimum: number, maximum: number, options: { default?: number; expected?: string } = {}) {
  return Type.Integer({ minimum, maximum, expected: `a whole number from ${minimum} to ${maximum}`, ...options });
}

/** An array of node keys (Ed25519 peer ids), and `"*"` for any node when `allowAny`. */
export function nodeKeys(allowAny: boolean) {
  const message = (v: unknown) => peerIdProblem(v, allowAny) ?? '';
  return Type.Array(
    Type.Refine(Type.String({ message }), (v) => peerIdProblem(v, allowAny) === undefined, message),
    { default: [], expected: `an array of node keys (Ed25519 peer ids like "12D3KooW..."${allowAny ? ' or "*"' : ''})` },
  );
}

const validators = new WeakMap<TSchema, Validator>();

/** The schema compiled once per process. */
export function compiled(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (!validator) validators.set(schema, (validator = Compile(schema)));
  return validator;
}

/**
 * Decodes a value that passes `schema` (units converted), leaving `value` as it was. Only the
 * decode callbacks run: TypeBox's own Decode would also convert and clean, which a checked
 * value does not need, at ten times the cost.
 */
export function decode<S extends TSchema>(schema: S, value: unknown): StaticDecode<S> {
  if (!compiled(schema).Check(value)) throw new CellError('CELL_E_INTERNAL', 'cell.toml: a value was decoded without passing its schema');
  return DecodeUnsafe({}, schema, structuredClone(value)) as StaticDecode<S>;
}
