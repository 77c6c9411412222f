import { bytesLimits, isBytesSchema, type JsonSchema } from '@cell/contract';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Constraints worth showing to the person writing the call. */
const DOC_KEYWORDS = ['format', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minBytes', 'maxBytes', 'minItems', 'maxItems', 'default'];

/** A JSDoc block for a schema's description and constraints, or '' when there is nothing to say. */
export function docComment(schema: JsonSchema | undefined, indent: string, lead?: string): string {
  if (!schema) return lead ? `${indent}/** ${lead} */\n` : '';
  const lines: string[] = [];
  if (lead) lines.push(lead);
  if (typeof schema['description'] === 'string') lines.push(...(schema['description'] as string).split('\n'));
  // Bytes: their limits in bytes, not in the characters of their base64 form.
  const shown = isBytesSchema(schema) ? { ...schema, minLength: undefined, maxLength: undefined, ...bytesLimits(schema) } : schema;
  const tags = DOC_KEYWORDS.filter((k) => shown[k] !== undefined).map((k) => `@${k} ${typeof shown[k] === 'string' ? (shown[k] as string) : JSON.stringify(shown[k])}`);
  lines.push(...tags);
  if (lines.length === 0) return '';
  const safe = lines.map((l) => l.replace(/\*\//g, '*\\/'));
  if (safe.length === 1) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((l) => `${indent} * ${l}`).join('\n')}\n${indent} */\n`;
}

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

function wrap(type: string): string {
  return /[|&]/.test(type) && !/^[({[]/.test(type) ? `(${type})` : type;
}

function primitive(type: string): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return 'unknown[]';
    case 'object':
      return 'Record<string, unknown>';
    default:
      return 'unknown';
  }
}

/**
 * The TypeScript type a JSON Schema describes, matching what TypeBox's `Static` infers for the
 * schemas TypeBox produces: objects with optional (`?`) and required properties, arrays, tuples,
 * records, unions, intersections, literals — and bytes (`x-cell-bytes`), which are `Uint8Array`
 * whatever their JSON form says. Anything it cannot express is `unknown`.
 */
export function schemaToTs(schema: JsonSchema | boolean | undefined, indent = ''): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (isBytesSchema(schema)) return 'Uint8Array';
  if ('const' in schema) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ') || 'never';
  const union = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (union) return union.map((s) => schemaToTs(s, indent)).join(' | ') || 'never';
  if (Array.isArray(schema['allOf'])) return (schema['allOf'] as JsonSchema[]).map((s) => wrap(schemaToTs(s, indent))).join(' & ') || 'unknown';
  const type = schema['type'];
  if (Array.isArray(type)) return (type as string[]).map((t) => schemaToTs({ ...schema, type: t }, indent)).join(' | ');
  if (type === 'array') {
    const prefix = (schema['prefixItems'] ?? (Array.isArray(schema['items']) ? schema['items'] : undefined)) as JsonSchema[] | undefined;
    if (prefix) return `[${prefix.map((s) => schemaToTs(s, indent)).join(', ')}]`;
    return schema['items'] ? `${wrap(schemaToTs(schema['items'] as JsonSchema, indent))}[]` : 'unknown[]';
  }
  if (type === 'object' || schema['properties']) return objectToTs(schema, indent);
  if (typeof type === 'string') return primitive(type);
  return 'unknown';
}

/** An object type literal, one property per line with its documentation. */
export function objectToTs(schema: JsonSchema, indent: string): string {
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  const names = Object.keys(props);
  if (names.length === 0) {
    const extra = schema['additionalProperties'] ?? Object.values((schema['patternProperties'] ?? {}) as Record<string, JsonSchema>)[0];
    if (extra && typeof extra === 'object') return `Record<string, ${schemaToTs(extra as JsonSchema, indent)}>`;
    return '{}';
  }
  const inner = `${indent}  `;
  const lines = names.map((n) => `${docComment(props[n], inner)}${inner}${key(n)}${required.has(n) ? '' : '?'}: ${schemaToTs(props[n], inner)};`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}
