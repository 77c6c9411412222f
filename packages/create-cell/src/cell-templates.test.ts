import { describe, expect, it } from 'vitest';
import { camel, connectName, consumerCell, contractName, producerCell } from './cell-templates.ts';

describe('cell templates', () => {
  it('names a cell the way the generated bindings do', () => {
    expect(camel('order-book-2')).toBe('orderBook2');
    expect(contractName('greeter')).toBe('greeterContract');
    expect(connectName('order-book')).toBe('connectOrderBook');
  });

  it('a producer has a cell.toml without deps, a contract, handlers, main and a test', () => {
    const files = producerCell('greeter');
    expect(Object.keys(files).sort()).toEqual(['cell.toml', 'src/contract.ts', 'src/handlers.test.ts', 'src/handlers.ts', 'src/main.ts']);
    expect(files['cell.toml']).toMatch(/^name {4}= "greeter"$/m);
    expect(files['cell.toml']).toMatch(/^# payments = "\.\.\/payments"$/m);
    expect(files['src/contract.ts']).toContain("name: 'greeter'");
  });

  it('a consumer declares its dependency and calls it only through the generated bindings', () => {
    const files = consumerCell('welcome', 'order-book', '../order-book');
    expect(files['cell.toml']).toMatch(/^order-book = "\.\.\/order-book"$/m);
    expect(files['src/main.ts']).toContain("import { connectOrderBook } from '../.cell/bindings/order-book.ts';");
    expect(files['src/handlers.ts']).toContain('export function handlers(orderBook: Synapse<typeof orderBookContract>)');
    for (const source of Object.values(files)) expect(source).not.toMatch(/\.\.\/\.\.\/order-book/);
  });
});
