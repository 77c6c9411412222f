import { defineContract, unary } from '@cell/contract';
import { RemoteCandidate, ReplicaSpan } from '@cell/host';
import { Type } from 'typebox';

/** A cell a node serves, as it announces it. */
export const ServedCell = Type.Object({ name: Type.String({ maxLength: 63 }), version: Type.String({ maxLength: 64 }), fingerprint: Type.String({ maxLength: 80 }) });

/** What every node answers other nodes on its directory address (`[network] listen`). */
export const nodeContract = defineContract({
  name: 'node',
  version: '1.0.0',
  description: 'The directory of a node: which cells it serves, and where.',
  methods: {
    info: unary({
      input: Type.Object({}),
      output: Type.Object({ node: Type.String(), cells: Type.Array(ServedCell) }),
    }),
    resolve: unary({
      description: 'Where this node serves a cell (by name, optionally by major version).',
      input: Type.Object({ name: Type.String(), major: Type.Union([Type.Integer(), Type.Null()]) }),
      output: Type.Object({ candidates: Type.Array(RemoteCandidate) }),
    }),
    spans: unary({
      description: "The spans this node's cells keep of one request: asked by its whole trace id, which only the request's participants have seen.",
      input: Type.Object({ trace: Type.String({ pattern: '^[0-9a-f]{32}$' }) }),
      output: Type.Object({ spans: Type.Array(ReplicaSpan, { maxItems: 100_000 }) }),
    }),
  },
});
