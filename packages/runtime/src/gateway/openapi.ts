import type { Genome, JsonSchema } from '@cell/contract';

/** The methods the door serves: unary calls, notifies and server streams (clients and duplex streams need the SDK). */
export const EXPOSED_KINDS = new Set(['unary', 'notify', 'serverStream']);

const ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message', 'details', 'declared'],
  properties: {
    code: { type: 'string', description: 'a CELL_E_* code (docs/errors.md), or the name of an error the cell declares' },
    message: { type: 'string' },
    details: { description: 'what the error carries (a declared error: its schema)' },
    declared: { type: 'boolean', description: 'true for an error the cell declares in its contract' },
  },
};

const json = (schema: unknown) => ({ 'application/json': { schema } });
const errorRef = { description: 'the call failed', content: json({ $ref: '#/components/schemas/CellError' }) };

/** A declared error's body: its code fixed, its details as the contract declares them. */
function declaredError(code: string, details: JsonSchema): unknown {
  return { type: 'object', required: ['code', 'message', 'details', 'declared'], properties: { code: { const: code }, message: { type: 'string' }, details, declared: { const: true } } };
}

/**
 * An OpenAPI 3.1 document of the methods the door serves, from the cells' genomes (JSON Schema
 * already): `POST /<cell>/<method>` with the input as the body; 200 with the output (202 for a
 * notify; a server stream as `text/event-stream`), 422 with the declared errors, and the SDK's
 * errors (docs/errors.md) as the default response. Bytes appear as the genome has them, as base64
 * text (`type: string, contentEncoding: base64`), which is how the door carries them.
 */
export function openApiDocument(title: string, version: string, cells: ReadonlyArray<{ name: string; genome: Genome }>): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const { name, genome } of cells) {
    for (const [method, m] of Object.entries(genome.methods)) {
      if (!EXPOSED_KINDS.has(m.kind)) continue;
      const declared = Object.entries(m.errors);
      const ok =
        m.kind === 'notify'
          ? { '202': { description: 'sent (a notify has no reply)' } }
          : m.kind === 'serverStream'
            ? { '200': { description: 'Server-Sent Events: each item a `data:` line of JSON, then `event: end` (or `event: error` with the error)', content: { 'text/event-stream': { schema: { type: 'string' }, 'x-cell-item': m.output ?? {} } } } }
            : { '200': { description: 'the result', content: json(m.output ?? {}) } };
      paths[`/${name}/${method}`] = {
        post: {
          operationId: `${name}.${method}`,
          tags: [name],
          ...(m.description ? { summary: m.description } : {}),
          requestBody: { required: true, content: json(m.input) },
          responses: {
            ...ok,
            ...(declared.length > 0 ? { '422': { description: "an error the cell declares", content: json(declared.length === 1 ? declaredError(...declared[0]!) : { oneOf: declared.map(([c, d]) => declaredError(c, d)) }) } } : {}),
            default: errorRef,
          },
        },
      };
    }
  }
  return { openapi: '3.1.0', info: { title, version }, paths, components: { schemas: { CellError: ERROR_SCHEMA } } };
}
