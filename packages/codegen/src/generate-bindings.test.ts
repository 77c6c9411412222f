import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toGenome } from '@cell/contract';
import { generateBindings } from './generate-bindings.ts';
import { fixtureDir, typecheck } from './test-support/typecheck.ts';

const CONTRACT_SOURCE = `import { Bytes, clientStream, defineContract, notify, serverStream, Type, unary } from '@cell/sdk';
export const stock = defineContract({
  name: 'stock',
  version: '1.2.0',
  description: 'Stock levels.',
  methods: {
    reserve: unary({
      description: 'Takes units out of stock.',
      input: Type.Object({ sku: Type.String({ description: 'Stock unit.' }), qty: Type.Integer({ minimum: 1 }), note: Type.Optional(Type.String()) }),
      output: Type.Object({ left: Type.Integer(), tags: Type.Array(Type.Union([Type.Literal('low'), Type.Literal('ok')])) }),
      errors: { OutOfStock: Type.Object({ available: Type.Integer() }), Frozen: Type.Null() },
    }),
    level: unary({ input: Type.Object({ sku: Type.String() }), output: Type.Union([Type.Integer(), Type.Null()]), errors: { OutOfStock: Type.Object({ available: Type.Integer() }) } }),
    watch: serverStream({ input: Type.Object({ sku: Type.String() }), output: Type.Object({ at: Type.Number(), level: Type.Integer() }) }),
    load: clientStream({ input: Type.Tuple([Type.String(), Type.Integer()]), output: Type.Object({ loaded: Type.Integer() }) }),
    ping: notify({ input: Type.Record(Type.String(), Type.Boolean()) }),
    photo: unary({ input: Type.Object({ sku: Type.String(), image: Bytes({ maxBytes: 1024, description: 'A photo.' }) }), output: Bytes() }),
  },
  events: { low: Type.Object({ sku: Type.String() }) },
});
`;

const fixture = fixtureDir();
afterAll(() => fixture.remove());

writeFileSync(join(fixture.dir, 'contract.ts'), CONTRACT_SOURCE);
const { stock } = (await import(join(fixture.dir, 'contract.ts'))) as { stock: Parameters<typeof toGenome>[0] };

describe('generateBindings', () => {
  const genome = toGenome(stock);
  const source = generateBindings('stock', genome);
  writeFileSync(join(fixture.dir, 'bindings.ts'), source);

  it('reads like hand-written code: named, documented types and a typed connect function', () => {
    expect(source).toContain('Do not edit');
    expect(source).toContain('export interface ReserveInput {\n  /** Stock unit. */\n  sku: string;\n  /** @minimum 1 */\n  qty: number;\n  note?: string;\n}');
    expect(source).toContain('/** Takes units out of stock. */\n    reserve: unary({');
    expect(source).toContain('export interface OutOfStockDetails'); // same shape in two methods: one type
    expect(source).toContain('export type FrozenDetails = null;');
    expect(source).toContain('export function connectStock(');
  });

  it('types bytes as Uint8Array', () => {
    expect(source).toContain('export interface PhotoInput {\n  sku: string;\n  /**\n   * A photo.\n   * @maxBytes 1024\n   */\n  image: Uint8Array;\n}');
    expect(source).toContain('export type PhotoOutput = Uint8Array;');
    expect(source).toContain('output: Type.Unsafe<PhotoOutput>(');
  });

  it('rebuilds exactly the producer’s genome (same fingerprint)', async () => {
    const mod = (await import(join(fixture.dir, 'bindings.ts'))) as { stockContract: Parameters<typeof toGenome>[0]; stockFingerprint: string };
    expect(toGenome(mod.stockContract).fingerprint).toBe(genome.fingerprint);
    expect(mod.stockFingerprint).toBe(genome.fingerprint);
  });

  it('gives every method the same types TypeBox infers for the producer (checked by tsc)', () => {
    writeFileSync(
      join(fixture.dir, 'parity.ts'),
      `import type { Static } from 'typebox';
import type { stock } from './contract.ts';
import type { ReserveInput, ReserveOutput, OutOfStockDetails, FrozenDetails, LevelOutput, WatchOutputItem, LoadInputItem, PingInput, PhotoInput, PhotoOutput, LowEvent } from './bindings.ts';
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type M = (typeof stock)['methods'];
export const checks: [
  Equal<ReserveInput, Static<M['reserve']['input']>>,
  Equal<ReserveOutput, Static<M['reserve']['output']>>,
  Equal<OutOfStockDetails, Static<M['reserve']['errors']['OutOfStock']>>,
  Equal<FrozenDetails, Static<M['reserve']['errors']['Frozen']>>,
  Equal<LevelOutput, Static<M['level']['output']>>,
  Equal<WatchOutputItem, Static<M['watch']['output']>>,
  Equal<LoadInputItem, Static<M['load']['input']>>,
  Equal<PingInput, Static<M['ping']['input']>>,
  Equal<PhotoInput, Static<M['photo']['input']>>,
  Equal<PhotoOutput, Static<M['photo']['output']>>,
  Equal<PhotoOutput, Uint8Array>,
  Equal<LowEvent, Static<(typeof stock)['events']['low']>>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];
`,
    );
    expect(typecheck([join(fixture.dir, 'parity.ts')])).toEqual([]);
    // The check can fail: a deliberately different type is caught.
    writeFileSync(
      join(fixture.dir, 'parity-negative.ts'),
      `import type { ReserveInput } from './bindings.ts';
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export const check: Equal<ReserveInput, { sku: string; qty: number }> = true;
`,
    );
    expect(typecheck([join(fixture.dir, 'parity-negative.ts')]).map((d) => d.code)).toEqual([2322]);
  });
});
