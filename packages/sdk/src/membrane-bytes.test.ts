// Bytes over real sockets: serve and connect on a temporary Unix socket, binary payloads as msgpack
// `bin` both ways, checked against their byte limits on the way in and on the way out.
import { join } from 'node:path';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { Type } from 'typebox';
import { Bytes, defineContract, unary } from '@cell/contract';
import { serve, type Membrane } from './membrane.ts';
import { connect, type Synapse } from './synapse.ts';
import { tempDir } from './test-fixtures/harness.ts';

const MiB = 1 << 20;

const photos = defineContract({
  name: 'photos',
  version: '1.0.0',
  methods: {
    echo: unary({
      input: Type.Object({ name: Type.String(), image: Bytes({ maxBytes: MiB }) }),
      output: Type.Object({ image: Bytes({ maxBytes: MiB }), arrivedAs: Type.String() }),
    }),
    /** Returns one byte more than its output allows: refused on the way out. */
    grow: unary({ input: Bytes({ maxBytes: 16 }), output: Bytes({ maxBytes: 16 }) }),
  },
});

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function start(): Promise<{ client: Synapse<typeof photos>; calls: () => number }> {
  const tmp = tempDir();
  let calls = 0;
  const membrane: Membrane<typeof photos> = await serve(
    photos,
    {
      echo: ({ image }) => {
        calls++;
        return { image, arrivedAs: `${image.constructor.name} ${String(image instanceof Uint8Array)}` };
      },
      grow: (input) => {
        calls++;
        return Buffer.concat([input, Buffer.alloc(17 - input.byteLength)]);
      },
    },
    { socketPath: join(tmp.dir, 'photos.sock') },
  );
  const client = connect(photos, { socketPath: join(tmp.dir, 'photos.sock') });
  stop = async () => {
    await client.$close();
    await membrane.stop({ graceMs: 100 });
    tmp.remove();
  };
  return { client, calls: () => calls };
}

describe('bytes over the wire', () => {
  it('echoes 1 MiB of bytes exactly, arriving as a Uint8Array on both sides', async () => {
    const { client } = await start();
    const image = new Uint8Array(MiB);
    for (let i = 0; i < image.length; i++) image[i] = (i * 31 + (i >> 8)) & 0xff;
    const out = await client.echo({ name: 'cat.png', image });
    expectTypeOf(out.image).toEqualTypeOf<Uint8Array>();
    expect(out.image).toBeInstanceOf(Uint8Array);
    expect(out.image.byteLength).toBe(MiB);
    expect(Buffer.compare(out.image, image)).toBe(0);
    expect(out.arrivedAs).toBe('Buffer true'); // a view of the received frame, not a copy
    const empty = await client.echo({ name: 'empty', image: new Uint8Array(0) });
    expect(empty.image).toBeInstanceOf(Uint8Array);
    expect(empty.image.byteLength).toBe(0);
  });

  it('refuses input over maxBytes, or that is not bytes, before the handler runs', async () => {
    const { client, calls } = await start();
    const over = await client.echo.try({ name: 'big', image: new Uint8Array(MiB + 1) });
    expect(over.error?.code).toBe('CELL_E_INVALID_INPUT');
    expect(over.error?.details).toEqual({ errors: [{ path: '/image', message: `must not have more than ${MiB} bytes` }] });
    // @ts-expect-error base64 text is not bytes over the SDK
    const text = await client.echo.try({ name: 'text', image: 'AAAA' });
    expect(text.error?.details).toEqual({ errors: [{ path: '/image', message: 'must be bytes (a Uint8Array)' }] });
    // @ts-expect-error an array of numbers is not bytes either
    const numbers = await client.echo.try({ name: 'numbers', image: [1, 2, 3] });
    expect(numbers.error?.code).toBe('CELL_E_INVALID_INPUT');
    expect(calls()).toBe(0);
  });

  it('refuses output over its maxBytes as the cell’s own fault', async () => {
    const { client, calls } = await start();
    const r = await client.grow.try(Buffer.from('sixteen bytes!!!'));
    expect(calls()).toBe(1);
    expect(r.error?.code).toBe('CELL_E_INTERNAL');
    expect(r.error?.details).toEqual({ errors: [{ path: '/', message: 'must not have more than 16 bytes' }] });
  });
});
