import { describe, expect, it } from 'vitest';
import { sampleOf } from './schema-sample.ts';

describe('sampleOf', () => {
  it('fills the required properties with the least value of their type, or their default/example', () => {
    expect(
      sampleOf({
        type: 'object',
        required: ['sku', 'qty', 'gift', 'tags', 'card', 'note'],
        properties: {
          sku: { type: 'string', examples: ['mug'] },
          qty: { type: 'integer', minimum: 1 },
          gift: { type: 'boolean' },
          tags: { type: 'array', items: { type: 'string' } },
          card: { type: 'string', minLength: 3 },
          note: { anyOf: [{ type: 'null' }, { type: 'string', default: 'hi' }] },
          optional: { type: 'string' },
        },
      }),
    ).toEqual({ sku: 'mug', qty: 1, gift: false, tags: [], card: 'xxx', note: 'hi' });
  });

  it('takes an enum or const as it is, a number with no minimum as 0, bytes as base64 text', () => {
    expect(sampleOf({ enum: ['red', 'green'] })).toBe('red');
    expect(sampleOf({ const: 7 })).toBe(7);
    expect(sampleOf({ type: 'number' })).toBe(0);
    expect(sampleOf({ type: 'number', minimum: -5 })).toBe(-5);
    expect(sampleOf({ type: 'object', 'x-cell-bytes': true })).toBe('');
    expect(sampleOf(undefined)).toBeNull();
  });
});
