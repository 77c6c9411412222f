import { describe, expect, it } from 'vitest';
import { toGenome } from '@cell/contract';
import { clientStream, defineContract, duplex, notify, serverStream, Type, unary } from '@cell/sdk';
import type { CellDescription } from '../commands/describe.ts';
import { formatDescription, methodSignature } from './genome-view.ts';

const genome = toGenome(
  defineContract({
    name: 'orders',
    version: '1.4.0',
    description: 'Takes orders.',
    methods: {
      place: unary({
        description: 'Places an order.',
        input: Type.Object({ sku: Type.String(), qty: Type.Integer(), note: Type.Optional(Type.String()) }),
        output: Type.Object({ id: Type.String(), status: Type.Union([Type.Literal('paid'), Type.Literal('pending')]) }),
        errors: { OutOfStock: Type.Object({ sku: Type.String(), left: Type.Integer() }), CardDeclined: Type.Object({}) },
      }),
      watch: serverStream({ input: Type.Object({ id: Type.String() }), output: Type.Object({ status: Type.String() }) }),
      upload: clientStream({ input: Type.String(), output: Type.Object({ bytes: Type.Integer() }) }),
      chat: duplex({ input: Type.String(), output: Type.String() }),
      poke: notify({ input: Type.Object({}) }),
    },
    events: { shipped: Type.Object({ id: Type.String(), tracking: Type.Array(Type.String()) }) },
  }),
);

function description(over: Partial<CellDescription> = {}): CellDescription {
  return {
    cell: 'orders',
    dir: '/trees/shop/cells/orders',
    version: '1.4.0',
    source: 'live',
    genome,
    note: null,
    replicas: { wanted: 2, running: [{ id: 'orders-0', state: 'ready', pid: 4100, ports: {} }, { id: 'orders-1', state: 'backoff', pid: null, ports: {} }] },
    process: null,
    ports: [],
    env: [],
    secrets: [],
    children: [],
    ...over,
  };
}

describe('methodSignature', () => {
  it('writes each kind of method as a TypeScript-like signature, streams as stream<T>', () => {
    const sig = (name: string) => methodSignature(name, genome.methods[name]!, 100);
    expect(sig('place')).toBe('place(input: { sku: string; qty: number; note?: string }): { id: string; status: "paid" | "pending" }');
    expect(sig('watch')).toBe('watch(input: { id: string }): stream<{ status: string }>');
    expect(sig('upload')).toBe('upload(input: stream<string>): { bytes: number }');
    expect(sig('chat')).toBe('chat(input: stream<string>): stream<string>');
    expect(sig('poke')).toBe('poke(input: {}): void  (notify: no reply)');
  });
});

describe('formatDescription', () => {
  it('shows version, fingerprint, where the genome came from, replicas, methods with their errors, and events', () => {
    const text = formatDescription(description());
    expect(text.split('\n')).toEqual([
      'orders 1.4.0  (genome from the running cell)',
      '  Takes orders.',
      `  fingerprint  ${genome.fingerprint}`,
      '  replicas     2 wanted · orders-0 ready pid 4100 · orders-1 backoff',
      '  directory    /trees/shop/cells/orders',
      '',
      'methods (5)',
      '  chat(input: stream<string>): stream<string>',
      '  // Places an order.',
      '  place(input: { sku: string; qty: number; note?: string }): { id: string; status: "paid" | "pending" }',
      '    error CardDeclined: {}',
      '    error OutOfStock: { sku: string; left: number }',
      '  poke(input: {}): void  (notify: no reply)',
      '  upload(input: stream<string>): { bytes: number }',
      '  watch(input: { id: string }): stream<{ status: string }>',
      '',
      'events (1)',
      '  shipped: { id: string; tracking: string[] }',
    ]);
  });

  it('says when the tree is not running, and what a group of cells is', () => {
    expect(formatDescription(description({ source: 'source', replicas: { wanted: 2, running: null } }))).toContain('replicas     2 wanted (no running tree runs it)');
    const group = formatDescription(description({ cell: 'shop', genome: null, source: null, replicas: { wanted: 0, running: null }, children: ['orders', 'payments'] }));
    expect(group.split('\n')).toEqual(['shop 1.4.0', '  replicas     none: a group of cells (orders, payments)', '  directory    /trees/shop/cells/orders']);
  });

  it('shows what a process cell runs, its ports, and the names (never the values) of its variables and secrets', () => {
    const text = formatDescription(
      description({
        cell: 'db',
        genome: null,
        source: null,
        replicas: { wanted: 1, running: [{ id: 'db-0', state: 'ready', pid: 77, ports: { pg: 41234 } }] },
        process: { run: ['postgres', '-p', '${PORT}'], user: 'postgres', ready: 'tcp ${PORT}', stopSignal: 'SIGINT' },
        ports: [{ name: 'pg', port: 0 }],
        env: ['PGDATA'],
        secrets: ['PGPASSWORD'],
      }),
    );
    expect(text.split('\n')).toEqual([
      'db 1.4.0',
      '  replicas     1 wanted · db-0 ready pid 77 pg :41234',
      '  runs         postgres -p ${PORT}  (as postgres)',
      '  ready        tcp ${PORT}; stopped with SIGINT',
      '  ports        pg  (PORT, PORT_<NAME>)',
      '  env          PGDATA',
      '  secrets      PGPASSWORD',
      '  directory    /trees/shop/cells/orders',
      '',
      'a process cell: no contract; dependents reach it at CELL_DEP_<NAME>_URL',
    ]);
  });

  it('says when no genome is known for a cell with code, and carries the note about a source that does not build', () => {
    expect(formatDescription(description({ genome: null, source: null }))).toContain('no genome known');
    expect(formatDescription(description({ source: 'recorded', note: 'the contract module does not build' }))).toContain('note: the contract module does not build');
  });
});
