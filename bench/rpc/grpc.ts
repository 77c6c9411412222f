// @grpc/grpc-js unary over a Unix socket, with msgpackr as the message codec (same bytes as Cell).
import * as grpc from '@grpc/grpc-js';
import { pack, unpack } from 'msgpackr';
import type { BenchClient, Payload, RpcSystem } from './system.ts';

const service: grpc.ServiceDefinition = {
  echo: {
    path: '/bench.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: unknown) => pack(v),
    requestDeserialize: (b: Buffer) => unpack(b) as unknown,
    responseSerialize: (v: unknown) => pack(v),
    responseDeserialize: (b: Buffer) => unpack(b) as unknown,
  },
};

export const grpcJs: RpcSystem = {
  async serve(path) {
    const server = new grpc.Server();
    server.addService(service, {
      echo: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, call.request),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
  },
  async connect(path): Promise<BenchClient> {
    const Client = grpc.makeGenericClientConstructor(service, 'Echo');
    const client = new Client(`unix://${path}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      echo(input: unknown, cb: (err: grpc.ServiceError | null, out: unknown) => void): void;
    };
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
    return {
      call: (input: Payload) =>
        new Promise((resolve, reject) => client.echo(input, (err, out) => (err ? reject(err) : resolve(out)))),
      async close() {
        client.close();
      },
    };
  },
};
