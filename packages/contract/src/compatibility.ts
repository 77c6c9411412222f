import type { Genome, GenomeMethod, JsonSchema } from './genome.ts';
import { canonicalJson, schemaShape } from './genome.ts';
import { bytesLimits, isBytesSchema } from './bytes.ts';

/** One difference between the genome a consumer expects and the one a producer serves. */
export interface GenomeChange {
  /** Method (or `event:<name>`) the change is in; empty for the genome itself. */
  method: string;
  /** Where in the value: `/input/sku`, `/output/items/*`, `/errors/OutOfStock/available`, or `/`. */
  path: string;
  message: string;
  /** What the consumer was built against, and what the producer now has (short forms). */
  old?: string | undefined;
  new?: string | undefined;
}

/** Differences sorted by whether an old consumer survives them. */
export interface CompatibilityReport {
  compatible: GenomeChange[];
  breaking: GenomeChange[];
}

/**
 * Values flow into the producer (`input`: the new schema must accept what the old one accepted)
 * or out of it (`output`: what the new schema produces must satisfy the old one).
 */
type Flow = 'input' | 'output';

type Schema = JsonSchema;

const STRUCTURE = new Set(['type', 'properties', 'required', 'items', 'anyOf', 'oneOf', 'allOf', 'const', 'enum', 'additionalProperties', 'prefixItems']);
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties', 'minBytes'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties', 'maxBytes'];

/** A short human form of a schema for reports: `string`, `integer`, `{ sku, qty }`, `"a" | "b"`. */
export function describeSchema(s: Schema | undefined): string {
  if (!s) return 'nothing';
  if (isBytesSchema(s)) return 'bytes';
  if ('const' in s) return JSON.stringify(s['const']);
  if (Array.isArray(s['enum'])) return (s['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  const union = (s['anyOf'] ?? s['oneOf']) as Schema[] | undefined;
  if (union) return union.map(describeSchema).join(' | ');
  const type = s['type'];
  if (type === 'object') {
    const keys = Object.keys((s['properties'] as Record<string, Schema>) ?? {});
    return keys.length ? `{ ${keys.join(', ')} }` : 'object';
  }
  if (type === 'array') return `${describeSchema(s['items'] as Schema)}[]`;
  if (Array.isArray(type)) return type.join(' | ');
  return typeof type === 'string' ? type : 'unknown';
}

class Differ {
  readonly report: CompatibilityReport = { compatible: [], breaking: [] };
  private method = '';

  forMethod(name: string): this {
    this.method = name;
    return this;
  }

  add(kind: 'compatible' | 'breaking', path: string, message: string, old?: string, next?: string): void {
    this.report[kind].push({ method: this.method, path: path || '/', message, old, new: next });
  }

  /** Compares one schema; `path` points into the value the schema describes. */
  schema(oldS: Schema, newS: Schema, path: string, flow: Flow): void {
    if (canonicalJson(schemaShape(oldS)) === canonicalJson(schemaShape(newS))) return;
    const oldType = oldS['type'];
    const newType = newS['type'];
    if (oldType !== undefined && newType !== undefined && JSON.stringify(oldType) !== JSON.stringify(newType)) {
      const widened = flow === 'input' ? oldType === 'integer' && newType === 'number' : oldType === 'number' && newType === 'integer';
      this.add(widened ? 'compatible' : 'breaking', path, `type changed`, describeSchema(oldS), describeSchema(newS));
      return;
    }
    if (oldType === 'object' || newType === 'object' || oldS['properties'] || newS['properties']) return this.object(oldS, newS, path, flow);
    if (oldType === 'array' || newType === 'array') {
      if (oldS['items'] && newS['items']) this.schema(oldS['items'] as Schema, newS['items'] as Schema, `${path}/*`, flow);
      this.bounds(oldS, newS, path, flow);
      return;
    }
    const oldUnion = (oldS['anyOf'] ?? oldS['oneOf']) as Schema[] | undefined;
    const newUnion = (newS['anyOf'] ?? newS['oneOf']) as Schema[] | undefined;
    if (oldUnion || newUnion || 'const' in oldS || 'const' in newS || oldS['enum'] || newS['enum']) return this.choices(oldS, newS, path, flow);
    if (isBytesSchema(oldS) || isBytesSchema(newS)) {
      // Bytes and text share `type: 'string'` in JSON, but a Uint8Array is never a string. Between
      // bytes, only the byte limits count: the base64 `maxLength`/`minLength` follow from them.
      if (isBytesSchema(oldS) !== isBytesSchema(newS)) return this.add('breaking', path, 'type changed', describeSchema(oldS), describeSchema(newS));
      return this.bounds(bytesLimits(oldS), bytesLimits(newS), path, flow);
    }
    this.bounds(oldS, newS, path, flow);
  }

  private object(oldS: Schema, newS: Schema, path: string, flow: Flow): void {
    const oldProps = (oldS['properties'] ?? {}) as Record<string, Schema>;
    const newProps = (newS['properties'] ?? {}) as Record<string, Schema>;
    const oldReq = new Set((oldS['required'] ?? []) as string[]);
    const newReq = new Set((newS['required'] ?? []) as string[]);
    for (const [key, oldProp] of Object.entries(oldProps)) {
      const at = `${path}/${key}`;
      const newProp = newProps[key];
      if (!newProp) {
        this.add('breaking', at, flow === 'input' ? 'field removed (callers still send it)' : 'field removed (callers still read it)', describeSchema(oldProp), 'nothing');
        continue;
      }
      this.schema(oldProp, newProp, at, flow);
      const wasRequired = oldReq.has(key);
      const isRequired = newReq.has(key);
      if (wasRequired && !isRequired) {
        if (flow === 'input') this.add('compatible', at, 'required field became optional');
        else this.add('breaking', at, 'field became optional (callers rely on it)', 'required', 'optional');
      } else if (!wasRequired && isRequired) {
        if (flow === 'input') this.add('breaking', at, 'optional field became required', 'optional', 'required');
        else this.add('compatible', at, 'optional field became required');
      }
    }
    for (const [key, prop] of Object.entries(newProps)) {
      if (key in oldProps) continue;
      const at = `${path}/${key}`;
      if (flow === 'input' && newReq.has(key)) this.add('breaking', at, 'new required field (callers do not send it)', 'nothing', describeSchema(prop));
      else this.add('compatible', at, `${flow === 'input' ? 'optional ' : ''}field added`, undefined, describeSchema(prop));
    }
    if (flow === 'input' && oldS['additionalProperties'] !== false && newS['additionalProperties'] === false) {
      this.add('breaking', path, 'extra properties are no longer accepted');
    }
  }

  private choices(oldS: Schema, newS: Schema, path: string, flow: Flow): void {
    const members = (s: Schema): string[] => {
      const union = (s['anyOf'] ?? s['oneOf']) as Schema[] | undefined;
      if (union) return union.map((m) => canonicalJson(schemaShape(m)));
      if (Array.isArray(s['enum'])) return (s['enum'] as unknown[]).map((v) => canonicalJson({ const: v }));
      return [canonicalJson(schemaShape(s))];
    };
    const before = new Set(members(oldS));
    const after = new Set(members(newS));
    const removed = [...before].filter((m) => !after.has(m));
    const added = [...after].filter((m) => !before.has(m));
    const show = (ms: string[]) => ms.map((m) => describeSchema(JSON.parse(m) as Schema)).join(' | ');
    // Inputs may widen (accept more); outputs may narrow (produce less).
    if (removed.length) this.add(flow === 'input' ? 'breaking' : 'compatible', path, `no longer ${flow === 'input' ? 'accepts' : 'returns'} ${show(removed)}`, describeSchema(oldS), describeSchema(newS));
    if (added.length) this.add(flow === 'input' ? 'compatible' : 'breaking', path, `now ${flow === 'input' ? 'accepts' : 'may return'} ${show(added)}`, describeSchema(oldS), describeSchema(newS));
  }

  /** Constraints (min/max/pattern/format...): tightening breaks inputs, loosening breaks outputs. */
  private bounds(oldS: Schema, newS: Schema, path: string, flow: Flow): void {
    const keys = new Set([...Object.keys(oldS), ...Object.keys(newS)].filter((k) => !STRUCTURE.has(k) && !['description', 'title', 'examples', '$comment', 'default'].includes(k)));
    for (const key of keys) {
      const a = oldS[key];
      const b = newS[key];
      if (canonicalJson(a) === canonicalJson(b)) continue;
      let tighter: boolean;
      if (a === undefined) tighter = true;
      else if (b === undefined) tighter = false;
      else if (LOWER_BOUNDS.includes(key)) tighter = (b as number) > (a as number);
      else if (UPPER_BOUNDS.includes(key)) tighter = (b as number) < (a as number);
      else tighter = true; // pattern, format, multipleOf...: assume the worst
      const breaks = flow === 'input' ? tighter : !tighter;
      this.add(breaks ? 'breaking' : 'compatible', path, `${key} ${a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'}`, a === undefined ? 'none' : JSON.stringify(a), b === undefined ? 'none' : JSON.stringify(b));
    }
  }

  compareMethod(name: string, oldM: GenomeMethod, newM: GenomeMethod): void {
    this.forMethod(name);
    if (oldM.kind !== newM.kind) {
      this.add('breaking', '/', 'method kind changed', oldM.kind, newM.kind);
      return;
    }
    this.schema(oldM.input, newM.input, '/input', 'input');
    if (oldM.output && newM.output) this.schema(oldM.output, newM.output, '/output', 'output');
    for (const [code, details] of Object.entries(oldM.errors ?? {})) {
      const next = newM.errors?.[code];
      if (!next) this.add('breaking', `/errors/${code}`, 'declared error removed', code, 'nothing');
      else this.schema(details, next, `/errors/${code}`, 'output');
    }
    for (const code of Object.keys(newM.errors ?? {})) {
      if (!(code in (oldM.errors ?? {}))) this.add('compatible', `/errors/${code}`, 'declared error added (old callers see it in their default branch)', undefined, code);
    }
  }
}

/**
 * Compares what a consumer was built against (`expected`) with what a producer serves or will
 * serve (`actual`), by meaning rather than by bytes: adding an optional input field, a method or
 * an output field is compatible; removing or renaming a method or field, changing a type,
 * making an optional input required or removing a declared error is breaking. Each change names
 * the method and the path in the value.
 */
export function compareGenomes(expected: Genome, actual: Genome): CompatibilityReport {
  const d = new Differ();
  if (expected.name !== actual.name) {
    d.add('breaking', '/', 'a different cell', expected.name, actual.name);
    return d.report;
  }
  for (const [name, method] of Object.entries(expected.methods)) {
    const other = actual.methods?.[name];
    if (!other) {
      d.forMethod(name).add('breaking', '/', 'method removed (or renamed)', name, 'nothing');
    } else if (other.fingerprint !== method.fingerprint) {
      d.compareMethod(name, method, other);
    }
  }
  for (const name of Object.keys(actual.methods ?? {})) {
    if (!Object.hasOwn(expected.methods, name)) d.forMethod(name).add('compatible', '/', 'method added', undefined, name);
  }
  for (const [name, event] of Object.entries(expected.events ?? {})) {
    const other = actual.events?.[name];
    d.forMethod(`event:${name}`);
    if (!other) d.add('breaking', '/', 'event removed', name, 'nothing');
    else d.schema(event.payload, other.payload, '/payload', 'output');
  }
  for (const name of Object.keys(actual.events ?? {})) {
    if (!Object.hasOwn(expected.events ?? {}, name)) d.forMethod(`event:${name}`).add('compatible', '/', 'event added', undefined, name);
  }
  return d.report;
}

/** One line per change: `charge /input/card: type changed (string → number)`. */
export function formatChange(c: GenomeChange): string {
  const arrow = c.old !== undefined || c.new !== undefined ? ` (${c.old ?? '…'} → ${c.new ?? '…'})` : '';
  return `${c.method ? `${c.method} ` : ''}${c.path}: ${c.message}${arrow}`;
}
