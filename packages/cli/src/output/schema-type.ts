import { isBytesSchema, type JsonSchema } from '@cell/contract';

/**
 * JSON Schema (as TypeBox writes it into genomes) rendered for people as a TypeScript-like type:
 * `{ sku: string; qty?: number }`, `"a" | "b"`, `string[]`, `[string, number]`,
 * `Record<string, number>`, `Uint8Array` (bytes). An object whose one-line form passes `width` is laid out one
 * property per line, indented. (codegen's `schemaToTs` writes declarations for the compiler —
 * always multi-line, with doc comments; this is the compact form for a terminal.)
 */
export function schemaType(schema: JsonSchema | boolean | undefined, options: { width?: number; indent?: string } = {}): string {
  return render(schema, options.indent ?? '', options.width ?? 72);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function primitive(type: string): string {
  switch (type) {
    case 'integer':
      return 'number';
    case 'array':
      return 'unknown[]';
    case 'object':
      return 'Record<string, unknown>';
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return type;
    default:
      return 'unknown';
  }
}

/** Parenthesised where a union or intersection would bind wrongly (`(a | b)[]`). */
function wrap(type: string): string {
  return /[|&]/.test(type) && !/^[({[]/.test(type) ? `(${type})` : type;
}

function render(schema: JsonSchema | boolean | undefined, indent: string, width: number): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (isBytesSchema(schema)) return 'Uint8Array';
  if ('const' in schema) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ') || 'never';
  const union = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (union) return union.map((s) => render(s, indent, width)).join(' | ') || 'never';
  if (Array.isArray(schema['allOf'])) return (schema['allOf'] as JsonSchema[]).map((s) => wrap(render(s, indent, width))).join(' & ') || 'unknown';
  const type = schema['type'];
  if (Array.isArray(type)) return (type as string[]).map((t) => render({ ...schema, type: t }, indent, width)).join(' | ');
  if (type === 'array') {
    const prefix = (schema['prefixItems'] ?? (Array.isArray(schema['items']) ? schema['items'] : undefined)) as JsonSchema[] | undefined;
    if (prefix) return `[${prefix.map((s) => render(s, indent, width)).join(', ')}]`;
    return schema['items'] ? `${wrap(render(schema['items'] as JsonSchema, indent, width))}[]` : 'unknown[]';
  }
  if (type === 'object' || schema['properties']) return object(schema, indent, width);
  return typeof type === 'string' ? primitive(type) : 'unknown';
}

function object(schema: JsonSchema, indent: string, width: number): string {
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  const names = Object.keys(props);
  if (names.length === 0) {
    const extra = schema['additionalProperties'] ?? Object.values((schema['patternProperties'] ?? {}) as Record<string, JsonSchema>)[0];
    return extra && typeof extra === 'object' ? `Record<string, ${render(extra as JsonSchema, indent, width)}>` : '{}';
  }
  const field = (n: string, ind: string) => `${IDENTIFIER.test(n) ? n : JSON.stringify(n)}${required.has(n) ? '' : '?'}: ${render(props[n], ind, width)}`;
  const inline = `{ ${names.map((n) => field(n, indent)).join('; ')} }`;
  if (indent.length + inline.length <= width && !inline.includes('\n')) return inline;
  const inner = `${indent}  `;
  return `{\n${names.map((n) => `${inner}${field(n, inner)};`).join('\n')}\n${indent}}`;
}
