import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cell, cellOf, status, tempTree, type TempTree } from './helpers.ts';

let tree: TempTree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});

/** `pay`'s contract: charge takes a card under `field`; `extra` is more source of the module. */
function payContract(version: string, field: string, extra = ''): string {
  return `import { defineContract, Type, unary } from '@cell/sdk';
export const payContract = defineContract({
  name: 'pay',
  version: '${version}',
  methods: { charge: unary({ input: Type.Object({ ${field}: Type.String(), cents: Type.Integer() }), output: Type.Object({ id: Type.String() }) }) },
});
${extra}`;
}

const payMain = (field: string) => `import { serve } from '@cell/sdk';
import { payContract } from './contract.ts';
await serve(payContract, { charge: (input) => ({ id: \`paid \${input.cents} with \${input.${field}}\` }) });
`;

/** `shop` imports pay's contract (cells of one tree may) and calls it with `field`; `more` is more source. */
const shopMain = (field: string, more = '') => `import { connect, serve } from '@cell/sdk';
import { payContract } from '../../pay/src/contract.ts';
import { shopContract } from './contract.ts';
${more}
const pay = connect(payContract);
await serve(shopContract, { buy: async () => pay.charge({ ${field}: '4242', cents: 1200 }) });
`;

const USES_CURRENCY = "import { CURRENCY } from '../../pay/src/currency.ts';\nconsole.log(CURRENCY);\n";

const SHOP_CONTRACT = `import { defineContract, Type, unary } from '@cell/sdk';
export const shopContract = defineContract({
  name: 'shop',
  version: '1.0.0',
  methods: { buy: unary({ input: Type.Object({}), output: Type.Object({ id: Type.String() }) }) },
});
`;

const toml = (name: string, version: string, extra = '') => `[cell]\nname = "${name}"\nversion = "${version}"\nentry = "src/main.ts"\n${extra}`;
const lastJson = (stderr: string) => JSON.parse(stderr.trim().split('\n').at(-1)!) as { code: string };

describe('cell reload <producer> --with-consumers (a breaking change while the tree runs)', () => {
  it('is named by the refusal, refuses when a consumer no longer compiles (nothing reloaded), else moves producer and consumers together', { timeout: 120_000 }, () => {
    tree = tempTree({
      'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n',
      'cells/pay/cell.toml': toml('pay', '1.0.0'),
      'cells/pay/src/contract.ts': payContract('1.0.0', 'card'),
      'cells/pay/src/currency.ts': "export const CURRENCY = 'EUR';\n",
      'cells/pay/src/main.ts': payMain('card'),
      'cells/shop/cell.toml': toml('shop', '1.0.0', '\n[deps]\npay = "../pay"\n'),
      'cells/shop/src/contract.ts': SHOP_CONTRACT,
      'cells/shop/src/main.ts': shopMain('card', USES_CURRENCY),
    });
    const pay = join(tree.root, 'cells/pay');
    const shop = join(tree.root, 'cells/shop');
    expect(cell(['mitosis', tree.root, '--detach']).code).toBe(0);
    expect(JSON.parse(cell(['call', shop, 'buy']).stdout)).toEqual({ id: 'paid 1200 with 4242' });
    const pids = () => status(tree!.root).cells.flatMap((c) => c.replicas.map((r) => r.pid));
    const before = pids();

    // A breaking change within major 1 (card -> cardNumber), the consumer's code updated with it —
    // but the consumer still imports a module of the producer's that is gone: it does not compile.
    tree.write('cells/pay/cell.toml', toml('pay', '1.1.0'));
    tree.write('cells/pay/src/contract.ts', payContract('1.1.0', 'cardNumber'));
    tree.write('cells/pay/src/main.ts', payMain('cardNumber'));
    rmSync(join(pay, 'src/currency.ts'));
    tree.write('cells/shop/src/main.ts', shopMain('cardNumber', USES_CURRENCY));

    const refused = cell(['reload', pay]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error CELL_E_SCHEMA_MISMATCH: /);
    expect(refused.stderr).toContain(`\`cell reload ${pay} --with-consumers\``);

    const lock = readFileSync(join(shop, 'cell.lock'), 'utf8');
    const bindings = readFileSync(join(shop, '.cell/bindings/pay.ts'), 'utf8');
    const broken = cell(['reload', pay, '--with-consumers']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error CELL_E_BUILD_FAILED: refused: shop no longer compiles against pay 1\.1\.0/);
    expect(broken.stderr).toContain('currency.ts');
    expect(readFileSync(join(shop, 'cell.lock'), 'utf8')).toBe(lock);
    expect(readFileSync(join(shop, '.cell/bindings/pay.ts'), 'utf8')).toBe(bindings);
    expect(pids()).toEqual(before); // nothing reloaded
    expect(cellOf(status(tree.root), 'pay').version).toBe('1.0.0');
    expect(JSON.parse(cell(['call', shop, 'buy']).stdout)).toEqual({ id: 'paid 1200 with 4242' }); // the old pair still works

    // A consumer that still calls the producer the old way does not type-check: refused as well.
    tree.write('cells/shop/src/main.ts', shopMain('card'));
    const stale = cell(['reload', pay, '--with-consumers']);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/^error CELL_E_BUILD_FAILED: refused: shop no longer compiles against pay 1\.1\.0/);
    expect(stale.stderr).toMatch(/src\/main\.ts\(\d+,\d+\): error TS\d+: .*'card'/);
    expect(pids()).toEqual(before);

    // The consumer fixed: one command moves both, producer first.
    tree.write('cells/shop/src/main.ts', shopMain('cardNumber'));
    const moved = cell(['reload', pay, '--with-consumers']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout.split('\n')[0]).toMatch(/^pay 1\.1\.0: rebuilt; replaced 1 replica$/);
    expect(moved.stdout.split('\n')[1]).toMatch(/^shop: rebuilt; replaced 1 replica$/);
    const after = status(tree.root);
    expect(cellOf(after, 'pay')).toMatchObject({ version: '1.1.0', state: 'ready' });
    expect(cellOf(after, 'shop').state).toBe('ready');
    expect(pids().some((p) => before.includes(p))).toBe(false);
    expect(JSON.parse(cell(['call', shop, 'buy']).stdout)).toEqual({ id: 'paid 1200 with 4242' });
    expect(JSON.parse(readFileSync(join(shop, 'cell.lock'), 'utf8'))).toMatchObject({ deps: { pay: { version: '1.1.0' } } });
    expect(readFileSync(join(shop, '.cell/bindings/pay.ts'), 'utf8')).toContain('cardNumber');
    expect(cell(['stop', tree.root]).code).toBe(0);
  });

  it('cell types --from-source takes the genome a reload would serve while the old one runs', { timeout: 120_000 }, () => {
    tree = tempTree({
      'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n',
      'cells/pay/cell.toml': toml('pay', '1.0.0'),
      'cells/pay/src/contract.ts': payContract('1.0.0', 'card'),
      'cells/pay/src/main.ts': payMain('card'),
      'cells/shop/cell.toml': toml('shop', '1.0.0', '\n[deps]\npay = "../pay"\n'),
      'cells/shop/src/contract.ts': SHOP_CONTRACT,
      'cells/shop/src/main.ts': shopMain('card'),
    });
    expect(cell(['mitosis', tree.root, '--detach']).code).toBe(0);
    tree.write('cells/pay/cell.toml', toml('pay', '1.1.0'));
    tree.write('cells/pay/src/contract.ts', payContract('1.1.0', 'cardNumber'));
    const live = cell(['types', tree.root]);
    expect(live.stdout).toMatch(/shop -> pay: pay@1\.0\.0 from live, unchanged/);
    const source = cell(['types', tree.root, '--from-source']);
    expect(source.code, source.stderr).toBe(0);
    expect(source.stdout).toMatch(/shop -> pay: pay@1\.1\.0 from source, updated \(2 breaking changes/);
    expect(cell(['stop', tree.root]).code).toBe(0);
    expect(lastJson(cell(['status', tree.root, '--json']).stderr).code).toBe('CELL_E_TREE_NOT_RUNNING');
  });
});
