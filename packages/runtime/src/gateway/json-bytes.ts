import { isBytesSchema, type JsonSchema, type ValidationIssue } from '@cell/contract';

/** Standard base64 (RFC 4648 §4), its padding optional. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
/** Deeper than this, a value is left as it is (a schema that deep is not one people write). */
const MAX_DEPTH = 256;

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A JSON input with its bytes as bytes: where the method's schema says bytes, base64 text becomes
 * a Buffer — at the top level, in object properties, array and tuple items, at any depth; not in
 * unions (which branch a value meant is a guess), `$ref`s or records, where base64 text stays
 * text and the validator refuses it. Text that is not base64 is named in `issues` (JSON
 * Pointers, like the validator's). Changes the freshly parsed value in place.
 */
export function bytesFromJson(schema: JsonSchema | undefined, value: unknown): { value: unknown; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  return { value: decode(schema, value, '', issues, 0), issues };
}

function decode(schema: JsonSchema | undefined, value: unknown, path: string, issues: ValidationIssue[], depth: number): unknown {
  if (typeof schema !== 'object' || schema === null || depth > MAX_DEPTH) return value;
  if (isBytesSchema(schema)) {
    if (typeof value !== 'string') return value;
    if (!BASE64.test(value)) {
      issues.push({ path: path || '/', message: 'must be base64 text (bytes)' });
      return value;
    }
    return Buffer.from(value, 'base64');
  }
  if (Array.isArray(value)) {
    const items = schema['items'];
    const prefix = (schema['prefixItems'] ?? (Array.isArray(items) ? items : undefined)) as JsonSchema[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const itemSchema = prefix ? (prefix[i] ?? (Array.isArray(items) ? undefined : (items as JsonSchema | undefined))) : (items as JsonSchema | undefined);
      value[i] = decode(itemSchema, value[i], pointer(path, i), issues, depth + 1);
    }
    return value;
  }
  if (!isPlainObject(value) || typeof schema['properties'] !== 'object') return value;
  const props = schema['properties'] as Record<string, JsonSchema>;
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(props, key)) value[key] = decode(props[key], value[key], pointer(path, key), issues, depth + 1);
  }
  return value;
}

/**
 * A value ready for `JSON.stringify` with every Uint8Array in it (a Buffer is one) as base64 text,
 * wherever it is: an output, a stream item, an error's details. Without it a Buffer would turn
 * into `{ type: 'Buffer', data: [...] }` and a Uint8Array into `{ "0": ..., "1": ... }`. The
 * value itself is not changed; what holds no bytes is returned as it is.
 */
export function bytesToJson(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = bytesToJson(value[i], depth + 1);
      if (next !== value[i]) (copy ??= [...value])[i] = next;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, v] of Object.entries(value)) {
    const next = bytesToJson(v, depth + 1);
    if (next !== v) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}
