// Cell: the same methods through the SDK's membrane and synapse over its Unix socket, written the
// way a user writes them.
import { Bytes, connect, defineContract, serve, serverStream, Type, unary } from '@cell/sdk';
import { SMALL, type DataClient, type DataSystem } from './system.ts';

const Small = Type.Object({ n: Type.Integer(), text: Type.String() });
export const dataContract = defineContract({
  name: 'data',
  version: '1.0.0',
  methods: {
    small: unary({ input: Small, output: Small }),
    blob: unary({ input: Bytes(), output: Bytes() }),
    items: serverStream({ input: Type.Object({ count: Type.Integer() }), output: Small }),
    bytes: serverStream({ input: Type.Object({ total: Type.Integer(), chunk: Type.Integer() }), output: Bytes() }),
  },
});

export const cell: DataSystem = {
  async serve(socketPath) {
    await serve(
      dataContract,
      {
        small: (x) => x,
        blob: (x) => x,
        *items({ count }) {
          for (let n = 0; n < count; n++) yield { n, text: SMALL.text };
        },
        *bytes({ total, chunk }) {
          const bytes = Buffer.alloc(chunk, 7);
          for (let sent = 0; sent < total; sent += chunk) yield total - sent >= chunk ? bytes : bytes.subarray(0, total - sent);
        },
      },
      { socketPath },
    );
  },
  async connect(socketPath): Promise<DataClient> {
    // As a user calls: the connection opens with the first call (a membrane reached before takes it with the handshake).
    const client = connect(dataContract, { socketPath });
    return {
      async pingPong(count) {
        const times = new Float64Array(count);
        for (let i = 0; i < count; i++) {
          const t = performance.now();
          await client.small(SMALL);
          times[i] = (performance.now() - t) * 1000;
        }
        return times;
      },
      async pipelined(payload, window, count, ms) {
        const end = performance.now() + ms;
        let sent = 0;
        const lane = async () => {
          while (sent < count && performance.now() < end) {
            sent++;
            if (payload instanceof Uint8Array) await client.blob(payload);
            else await client.small(payload);
          }
        };
        await Promise.all(Array.from({ length: window }, lane));
        return sent;
      },
      async items(count) {
        let n = 0;
        for await (const _ of client.items({ count })) n++;
        return n;
      },
      async bytes(total, chunk) {
        let got = 0;
        for await (const part of client.bytes({ total, chunk })) got += part.length;
        return got;
      },
      close: () => client.$close(),
    };
  },
};
