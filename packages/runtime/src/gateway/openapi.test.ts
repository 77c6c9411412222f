import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { Bytes, defineContract, toGenome, unary } from '@cell/contract';
import { openApiDocument } from './openapi.ts';

describe('openApiDocument', () => {
  it('shows bytes as base64 text, in a valid OpenAPI 3.1 document', async () => {
    const genome = toGenome(
      defineContract({
        name: 'photos',
        version: '1.0.0',
        methods: { put: unary({ input: Type.Object({ name: Type.String(), image: Bytes({ maxBytes: 3 }) }), output: Bytes() }) },
      }),
    );
    const doc = openApiDocument('t', '1.0.0', [{ name: 'photos', genome }]);
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    const op = (doc['paths'] as Record<string, { post: Record<string, unknown> }>)['/photos/put']!.post;
    expect(op).toMatchObject({
      requestBody: { content: { 'application/json': { schema: { properties: { image: { type: 'string', contentEncoding: 'base64', maxLength: 4 } } } } } },
      responses: { '200': { content: { 'application/json': { schema: { type: 'string', contentEncoding: 'base64', contentMediaType: 'application/octet-stream' } } } } },
    });
  });
});
