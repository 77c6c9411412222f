import { defineContract, unary } from '@cell/contract';
import { RemoteCandidate, ReplicaSpan } from '@cell/host';
import { Type } from 'typebox';

/** A cell a node serves, as it announces it. */
export const ServedCell = Type.Object({ name: Type.String({ maxLength: 63 }), version: Type.String({ maxLength: 64 }), fingerprint: Type.String({ maxLength: 80 }) });

const DESCRIPTION = 'The directory of a node: which cells it serves, and where.';

const info = unary({
  input: Type.Object({}),
  output: Type.Object({ node: Type.String(), cells: Type.Array(ServedCell) }),
});

const resolve = unary({
  description: 'Where this node serves a cell (by name, optionally by major version).',
  input: Type.Object({ name: Type.String(), major: Type.Union([Type.Integer(), Type.Null()]) }),
  output: Type.Object({ candidates: Type.Array(RemoteCandidate) }),
});

const spans = unary({
  description: "The spans this node's cells keep of one request: asked by its whole trace id, which only the request's participants have seen.",
  input: Type.Object({ trace: Type.String({ pattern: '^[0-9a-f]{32}$' }) }),
  output: Type.Object({ spans: Type.Array(ReplicaSpan, { maxItems: 100_000 }) }),
});

/**
 * What every node asks other nodes' directories (`[network] listen`): a wire format between
 * releases, its shape fixed (node-contract.test.ts holds its fingerprint).
 */
export const nodeContract = defineContract({ name: 'node', version: '1.0.0', description: DESCRIPTION, methods: { info, resolve } });

/**
 * The trace question, asked with a synapse of its own: a client built with it refuses a directory
 * that lacks it (a node of an older release), and that refusal must not cost `resolve`.
 */
export const nodeSpansContract = defineContract({ name: 'node', version: '1.1.0', description: DESCRIPTION, methods: { spans } });

/** What a directory serves: the node contract, and the trace question (a compatible addition: older clients still call it). */
export const nodeDirectoryContract = defineContract({ name: 'node', version: '1.1.0', description: DESCRIPTION, methods: { info, resolve, spans } });
