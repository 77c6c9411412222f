import type { JsonSchema } from './genome.ts';

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The keys of `value` that `schema` does not name, as JSON Pointers (`/extra`, `/lines/0/note`):
 * what an open object schema — TypeBox's `Type.Object` without `additionalProperties: false` —
 * accepts and hands to the handler as it is. Keys a closed schema refuses are not listed (the
 * validator reports those), nor keys covered by `additionalProperties` or `patternProperties`
 * schemas (a record). Inside unions nothing is listed: which branch a value meant is a guess.
 */
export function unknownKeys(schema: JsonSchema | boolean | undefined, value: unknown, path = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  if (Array.isArray(value)) {
    const items = schema['items'];
    const prefix = (schema['prefixItems'] ?? (Array.isArray(items) ? items : undefined)) as JsonSchema[] | undefined;
    return value.flatMap((v, i) => unknownKeys(prefix ? prefix[i] : (items as JsonSchema | undefined), v, pointer(path, i)));
  }
  if (!isPlainObject(value) || typeof schema['properties'] !== 'object') return [];
  const props = schema['properties'] as Record<string, JsonSchema>;
  const open = schema['additionalProperties'] === undefined || schema['additionalProperties'] === true;
  const patterns = Object.keys((schema['patternProperties'] ?? {}) as Record<string, unknown>).map((p) => new RegExp(p, 'u'));
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (Object.hasOwn(props, key)) out.push(...unknownKeys(props[key], v, pointer(path, key)));
    else if (open && !patterns.some((p) => p.test(key))) out.push(pointer(path, key));
  }
  return out;
}
