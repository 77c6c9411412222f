import { describe, expect, expectTypeOf, it } from 'vitest';
import { Type } from 'typebox';
import type { CellErrorCode } from '@cell/protocol';
import { Bytes, clientStream, defineContract, duplex, notify, serverStream, unary } from '@cell/contract';
import type { CallContext } from './call-context.ts';
import type {
  CallError,
  CallOptions,
  CallResult,
  ClientMethod,
  DeclaredErrorOf,
  Handler,
  Handlers,
  InputOf,
  NotifyOptions,
  OutputOf,
  SdkError,
  StreamSource,
} from './contract-types.ts';
import type { DeclaredError } from './declared-error.ts';

const Errors = { OutOfStock: Type.Object({ available: Type.Integer() }), Frozen: Type.Null() };
const stock = defineContract({
  name: 'stock',
  version: '1.0.0',
  methods: {
    reserve: unary({ input: Type.Object({ sku: Type.String(), qty: Type.Integer() }), output: Type.Object({ left: Type.Integer() }), errors: Errors }),
    watch: serverStream({ input: Type.Object({ sku: Type.String() }), output: Type.Integer() }),
    load: clientStream({ input: Type.String(), output: Type.Integer() }),
    sync: duplex({ input: Type.String(), output: Type.Boolean() }),
    ping: notify({ input: Type.Object({ at: Type.Number() }) }),
  },
});
type M = (typeof stock)['methods'];

describe('contract types (checked by the compiler)', () => {
  it('derives input and output types from the schemas', () => {
    expectTypeOf<InputOf<M['reserve']>>().toEqualTypeOf<{ sku: string; qty: number }>();
    expectTypeOf<OutputOf<M['reserve']>>().toEqualTypeOf<{ left: number }>();
    expectTypeOf<InputOf<M['load']>>().toEqualTypeOf<string>();
  });

  it('types bytes as Uint8Array both ways, so a handler may return a Buffer', () => {
    const _photos = defineContract({
      name: 'photos',
      version: '1.0.0',
      methods: {
        photo: unary({ input: Type.Object({ name: Type.String(), image: Bytes({ maxBytes: 8 << 20 }) }), output: Bytes() }),
        chunks: duplex({ input: Bytes(), output: Bytes() }),
      },
    });
    type P = (typeof _photos)['methods'];
    expectTypeOf<InputOf<P['photo']>>().toEqualTypeOf<{ name: string; image: Uint8Array }>();
    expectTypeOf<OutputOf<P['photo']>>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<Handler<P['photo']>>().returns.toEqualTypeOf<Uint8Array | Promise<Uint8Array>>();
    expectTypeOf<ClientMethod<P['photo']>>().toExtend<(input: { name: string; image: Uint8Array }, options?: CallOptions) => Promise<Uint8Array>>();
    expectTypeOf<Handler<P['chunks']>>().parameter(0).toEqualTypeOf<AsyncIterable<Uint8Array>>();
    const fromBuffer: Handler<P['photo']> = ({ image }) => Buffer.from(image);
    // @ts-expect-error a string is not bytes
    const fromText: Handler<P['photo']> = ({ name }) => name;
    void fromBuffer;
    void fromText;
  });

  it('types every way a call can fail: the declared errors, each with its details, or an SDK error', () => {
    expectTypeOf<DeclaredErrorOf<M['reserve']['errors']>>().toEqualTypeOf<DeclaredError<'OutOfStock', { available: number }> | DeclaredError<'Frozen', null>>();
    expectTypeOf<CallError<M['reserve']>>().toEqualTypeOf<DeclaredError<'OutOfStock', { available: number }> | DeclaredError<'Frozen', null> | SdkError>();
    expectTypeOf<SdkError['code']>().toEqualTypeOf<CellErrorCode>();
    expectTypeOf<SdkError['declared']>().toEqualTypeOf<false>();
    expectTypeOf<CallError<M['watch']>>().toEqualTypeOf<SdkError>();
    const e = {} as CallError<M['reserve']>;
    if (e.code === 'OutOfStock') expectTypeOf(e.details).toEqualTypeOf<{ available: number }>();
  });

  it('makes a .try result a discriminated union', () => {
    const r = {} as CallResult<number, SdkError>;
    if (r.ok) expectTypeOf(r.value).toEqualTypeOf<number>();
    else {
      expectTypeOf(r.error).toEqualTypeOf<SdkError>();
      expectTypeOf(r.value).toEqualTypeOf<undefined>();
    }
  });

  it('types handlers by method kind, with a context that knows the declared errors', () => {
    expectTypeOf<Handler<M['reserve']>>().toEqualTypeOf<(input: { sku: string; qty: number }, ctx: CallContext<M['reserve']['errors']>) => { left: number } | Promise<{ left: number }>>();
    expectTypeOf<Handler<M['watch']>>().returns.toEqualTypeOf<AsyncIterable<number> | Iterable<number>>();
    expectTypeOf<Handler<M['load']>>().parameter(0).toEqualTypeOf<AsyncIterable<string>>();
    expectTypeOf<Handler<M['sync']>>().parameter(0).toEqualTypeOf<AsyncIterable<string>>();
    expectTypeOf<Handler<M['sync']>>().returns.toEqualTypeOf<AsyncIterable<boolean> | Iterable<boolean>>();
    expectTypeOf<Handler<M['ping']>>().returns.toEqualTypeOf<void | Promise<void>>();
  });

  it('requires one handler per method, each of the right type', () => {
    const handlers: Handlers<typeof stock> = {
      reserve: ({ qty }, ctx) => {
        if (qty > 5) throw ctx.fail('OutOfStock', { available: 5 });
        return { left: 5 - qty };
      },
      *watch() {
        yield 1;
      },
      load: async (items) => {
        let n = 0;
        for await (const _ of items) n++;
        return n;
      },
      async *sync(items) {
        for await (const i of items) yield i.length > 0;
      },
      ping: () => undefined,
    };
    expectTypeOf(handlers).toEqualTypeOf<Handlers<typeof stock>>();
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(stock.methods).sort());
    // @ts-expect-error a handler is missing
    const missing: Handlers<typeof stock> = { reserve: handlers.reserve, watch: handlers.watch, load: handlers.load, sync: handlers.sync };
    void missing;
    const wrong: Handlers<typeof stock> = {
      ...handlers,
      // @ts-expect-error the output does not match the schema
      reserve: () => ({ left: 'many' }),
    };
    void wrong;
  });

  it('types the client side by method kind', () => {
    expectTypeOf<ClientMethod<M['reserve']>>().toExtend<(input: { sku: string; qty: number }, options?: CallOptions) => Promise<{ left: number }>>();
    expectTypeOf<ClientMethod<M['reserve']>['try']>().returns.resolves.toEqualTypeOf<CallResult<{ left: number }, CallError<M['reserve']>>>();
    expectTypeOf<ClientMethod<M['watch']>>().toEqualTypeOf<(input: { sku: string }, options?: CallOptions) => AsyncIterable<number>>();
    expectTypeOf<ClientMethod<M['load']>>().parameter(0).toEqualTypeOf<StreamSource<string>>();
    expectTypeOf<ClientMethod<M['sync']>>().returns.toEqualTypeOf<AsyncIterable<boolean>>();
    expectTypeOf<ClientMethod<M['ping']>>().toEqualTypeOf<(input: { at: number }, options?: NotifyOptions) => Promise<void>>();
    expectTypeOf<StreamSource<string>>().toEqualTypeOf<AsyncIterable<string> | Iterable<string>>();
  });

  it('accepts a handler context as the options of a nested call', () => {
    expectTypeOf<CallContext>().toExtend<CallOptions>();
  });
});
