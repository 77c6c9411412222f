import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, defineContract, Type, unary } from '@cell/sdk';
import { typecheck } from '../../packages/codegen/src/test-support/typecheck.ts';
import { cell, cellOf, REPO, status, tempTree, type TempTree } from './helpers.ts';

/** The producer's contract source, in the versions the scenario walks through. */
function stockContract(version: string, reserveInput: string, extraOutput = ''): string {
  return `import { defineContract, Type, unary } from '@cell/sdk';
export const stockContract = defineContract({
  name: 'stock',
  version: '${version}',
  methods: {
    reserve: unary({
      description: 'Takes units out of stock.',
      input: Type.Object({ ${reserveInput} }),
      output: Type.Object({ left: Type.Integer(), by: Type.String()${extraOutput} }),
      errors: { OutOfStock: Type.Object({ available: Type.Integer() }) },
    }),
  },
});
`;
}

const STOCK_MAIN = `import { serve } from '@cell/sdk';
import { stockContract } from './contract.ts';
let left = 100;
await serve(stockContract, {
  reserve: (input, ctx) => {
    const qty = (input as { qty: number }).qty;
    if (qty > left) throw ctx.fail('OutOfStock', { available: left });
    left -= qty;
    return { left, by: process.env.CELL_NAME ?? 'stock' };
  },
});
`;

/** The consumer, written against the bindings generated from stock 1.0.0. */
const SHOP_CONTRACT = `import { defineContract, Type, unary } from '@cell/sdk';
export const shopContract = defineContract({
  name: 'shop',
  version: '1.0.0',
  methods: { buy: unary({ input: Type.Object({ sku: Type.String() }), output: Type.Object({ ok: Type.Boolean(), by: Type.String() }) }) },
});
`;
const SHOP_MAIN = `import { serve } from '@cell/sdk';
import { connectStock } from '../.cell/bindings/stock.ts';
import { shopContract } from './contract.ts';
const stock = connectStock();
await serve(shopContract, {
  buy: async ({ sku }, ctx) => {
    const r = await stock.reserve.try({ sku, qty: 1 }, ctx);
    if (r.ok) return { ok: true, by: r.value.by };
    switch (r.error.code) {
      case 'OutOfStock':
        return { ok: false, by: \`only \${r.error.details.available} left\` };
      default:
        throw r.error;
    }
  },
});
`;

const V1_INPUT = 'sku: Type.String(), qty: Type.Integer({ minimum: 1 })';

let tree: TempTree;
const shopMain = () => join(tree.root, 'cells/shop/src/main.ts');
const check = () => typecheck([shopMain()]);

beforeAll(() => {
  tree = tempTree({
    'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n',
    'package.json': '{ "type": "module" }\n',
    'cells/stock/cell.toml': '[cell]\nname = "stock"\nversion = "1.0.0"\nentry = "src/main.ts"\n',
    'cells/stock/src/contract.ts': stockContract('1.0.0', V1_INPUT),
    'cells/stock/src/main.ts': STOCK_MAIN,
    'cells/shop/cell.toml': '[cell]\nname = "shop"\nversion = "1.0.0"\nentry = "src/main.ts"\n[deps]\nstock = "../stock"\n',
    'cells/shop/src/contract.ts': SHOP_CONTRACT,
    'cells/shop/src/main.ts': SHOP_MAIN,
  });
  symlinkSync(join(REPO, 'node_modules'), join(tree.root, 'node_modules'));
});
afterAll(() => tree.remove());

function setStock(version: string, input: string, extraOutput = ''): void {
  tree.write('cells/stock/src/contract.ts', stockContract(version, input, extraOutput));
  tree.write('cells/stock/cell.toml', `[cell]\nname = "stock"\nversion = "${version}"\nentry = "src/main.ts"\n`);
}

describe('compile-time safety across cells (real tsc, real processes)', () => {
  it('generates bindings and a cell.lock; the consumer type-checks against them', () => {
    const r = cell(['types', tree.root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shop -> stock: stock@1.0.0 from source, created');
    const lock = JSON.parse(readFileSync(join(tree.root, 'cells/shop/cell.lock'), 'utf8')) as { deps: Record<string, { version: string; fingerprint: string }> };
    expect(lock.deps['stock']).toMatchObject({ version: '1.0.0', fingerprint: expect.stringMatching(/^sha256:/) });
    expect(readFileSync(join(tree.root, 'cells/shop/.cell/bindings/stock.ts'), 'utf8')).toContain('/** Takes units out of stock. */');
    expect(check()).toEqual([]);
  });

  it('fails the type-check of a consumer that calls a missing method or passes a wrong field type', () => {
    tree.write('cells/shop/src/wrong.ts', `import { connectStock } from '../.cell/bindings/stock.ts';
const stock = connectStock();
export const a = stock.restock({ sku: 'x' });
export const b = stock.reserve({ sku: 'x', qty: 'one' });
`);
    const diagnostics = typecheck([join(tree.root, 'cells/shop/src/wrong.ts')]);
    rmSync(join(tree.root, 'cells/shop/src/wrong.ts'));
    expect(diagnostics.map((d) => d.code).sort()).toEqual([2322, 2339]);
    expect(diagnostics.find((d) => d.code === 2339)?.message).toContain("Property 'restock' does not exist");
    expect(diagnostics.find((d) => d.code === 2322)?.message).toContain("Type 'string' is not assignable to type 'number'");
  });

  it('a new required input field: cell check fails, and the regenerated bindings fail the old consumer', () => {
    setStock('1.1.0', `${V1_INPUT}, warehouse: Type.String()`);
    const r = cell(['check', tree.root]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('shop (as "stock", locked 1.0.0): BREAKING');
    expect(r.stdout).toContain('reserve /input/warehouse: new required field (callers do not send it) (nothing → string)');
    expect(cell(['types', tree.root]).code).toBe(0);
    const diagnostics = check();
    expect(diagnostics.map((d) => d.code)).toEqual([2345]);
    expect(diagnostics[0]!.message).toContain("Property 'warehouse' is missing");
    // Back to 1.0.0 for what follows.
    setStock('1.0.0', V1_INPUT);
    expect(cell(['types', tree.root]).code).toBe(0);
    expect(check()).toEqual([]);
  });

  it('an additive change passes cell check and old consumers keep working at runtime', () => {
    expect(cell(['mitosis', tree.root, '--detach']).code).toBe(0);
    expect(JSON.parse(cell(['call', join(tree.root, 'cells/shop'), 'buy', '{"sku":"mug"}']).stdout)).toEqual({ ok: true, by: 'stock' });
    setStock('1.1.0', `${V1_INPUT}, note: Type.Optional(Type.String())`, ', eta: Type.Optional(Type.String())');
    const r = cell(['check', tree.root]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('reserve /input/note: optional field added');
    expect(cell(['reload', join(tree.root, 'cells/stock')]).code).toBe(0);
    // shop still runs its build against 1.0.0, and still works against 1.1.0.
    const after = cell(['call', join(tree.root, 'cells/shop'), 'buy', '{"sku":"mug"}']);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual({ ok: true, by: 'stock' });
  });

  it('a breaking change is reported and refused while its consumer runs; a major bump runs both side by side', async () => {
    setStock('1.2.0', 'item: Type.String(), qty: Type.Integer({ minimum: 1 })');
    const r = cell(['check', tree.root]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('reserve /input/sku: field removed (callers still send it) (string → nothing)');
    expect(r.stdout).toContain('reserve /input/item: new required field (callers do not send it) (nothing → string)');
    const reload = cell(['reload', join(tree.root, 'cells/stock')]);
    expect(reload.code).toBe(1);
    expect(reload.stderr).toContain('refused to reload stock 1.2.0');
    expect(reload.stderr).toContain('shop (built against stock@1.0.0)');
    const build = cell(['build', tree.root]);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('CELL_E_SCHEMA_MISMATCH');
    // Still serving the old genome: nothing was replaced.
    expect(JSON.parse(cell(['call', join(tree.root, 'cells/shop'), 'buy', '{"sku":"mug"}']).stdout)).toEqual({ ok: true, by: 'stock' });

    setStock('2.0.0', 'item: Type.String(), qty: Type.Integer({ minimum: 1 })');
    const bumped = cell(['reload', join(tree.root, 'cells/stock')]);
    expect(bumped.code, bumped.stderr).toBe(0);
    expect(bumped.stdout).toContain('major 1 keeps running beside it');
    const s = status(tree.root);
    expect(cellOf(s, 'stock').state).toBe('ready');
    expect(cellOf(s, 'stock-v1').state).toBe('ready');
    // The consumer built against 1.x reaches the old major...
    expect(JSON.parse(cell(['call', join(tree.root, 'cells/shop'), 'buy', '{"sku":"mug"}']).stdout)).toEqual({ ok: true, by: 'stock-v1' });
    // ...and one built against 2.x reaches the new one.
    const v2 = defineContract({
      name: 'stock',
      version: '2.0.0',
      methods: {
        reserve: unary({
          description: 'Takes units out of stock.',
          input: Type.Object({ item: Type.String(), qty: Type.Integer({ minimum: 1 }) }),
          output: Type.Object({ left: Type.Integer(), by: Type.String() }),
          errors: { OutOfStock: Type.Object({ available: Type.Integer() }) },
        }),
      },
    });
    const client = connect(v2, { cell: join(tree.root, 'cells/stock') });
    expect((await client.reserve({ item: 'mug', qty: 1 })).by).toBe('stock');
    await client.$close();
  });

  it('offline: with the producer stopped, bindings come from cell.lock and type-check', () => {
    expect(cell(['stop', tree.root]).code).toBe(0);
    rmSync(join(tree.root, 'cells/shop/.cell/bindings'), { recursive: true });
    const r = cell(['types', join(tree.root, 'cells/shop'), '--offline']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shop -> stock: stock@1.0.0 from lock');
    expect(check()).toEqual([]);
  });

  it('refuses, before any call is sent, a producer whose genome breaks the consumer’s', () => {
    // stock is now 2.0.0 in source; shop's bindings are still 1.0.0. A fresh tree keeps shop on its
    // lock and the synapse refuses the incompatible producer at connect time.
    const up = cell(['mitosis', tree.root, '--detach']);
    expect(up.code, up.stderr).toBe(0);
    const r = cell(['call', join(tree.root, 'cells/shop'), 'buy', '{"sku":"mug"}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CELL_E_SCHEMA_MISMATCH');
    expect(r.stderr).toContain('built against stock@1.0.0, the cell serves stock@2.0.0');
    cell(['stop', tree.root]);
  });
});
