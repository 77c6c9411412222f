import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { compareGenomes, defineContract, toGenome, unary } from '@cell/contract';
import { RemoteCandidate } from '@cell/host';
import { nodeContract, nodeDirectoryContract, nodeSpansContract, ServedCell } from './node-contract.ts';

/**
 * Nodes of different releases ask each other's directories through this contract: its shape is a
 * wire format. This fingerprint changes only when the shape does; when it must, bump the
 * contract's major version and keep serving the old one beside it.
 */
const NODE_GENOME_FINGERPRINT = 'sha256:bc29971c98b1527fd6af3f8c8ff7323ebafb679c21fa4ef4806dfac20e1b1646';

/** The node contract as written in node-contract.ts, with resolve's input replaced. */
function nodeContractWith(resolveInput: Record<string, Parameters<typeof Type.Object>[0][string]>, meta: { version?: string; description?: string } = {}) {
  return defineContract({
    name: 'node',
    version: meta.version ?? '1.0.0',
    description: meta.description ?? 'The directory of a node: which cells it serves, and where.',
    methods: {
      info: unary({ input: Type.Object({}), output: Type.Object({ node: Type.String(), cells: Type.Array(ServedCell) }) }),
      resolve: unary({ input: Type.Object(resolveInput), output: Type.Object({ candidates: Type.Array(RemoteCandidate) }) }),
    },
  });
}

const RESOLVE_INPUT = { name: Type.String(), major: Type.Union([Type.Integer(), Type.Null()]) };

describe('nodeContract', () => {
  it('has the genome other nodes expect', () => {
    const genome = toGenome(nodeContract);
    expect(genome.name).toBe('node');
    expect(genome.version).toBe('1.0.0');
    expect(Object.keys(genome.methods)).toEqual(['info', 'resolve']);
    expect(genome.fingerprint).toBe(NODE_GENOME_FINGERPRINT);
  });

  it('keeps its fingerprint across descriptions and versions, and changes it with the shape', () => {
    expect(toGenome(nodeContractWith(RESOLVE_INPUT)).fingerprint).toBe(NODE_GENOME_FINGERPRINT);
    expect(toGenome(nodeContractWith(RESOLVE_INPUT, { version: '1.1.0', description: 'reworded' })).fingerprint).toBe(NODE_GENOME_FINGERPRINT);
    expect(toGenome(nodeContractWith({ ...RESOLVE_INPUT, replicas: Type.Optional(Type.Integer()) })).fingerprint).not.toBe(NODE_GENOME_FINGERPRINT);
    expect(toGenome(nodeContractWith({ name: Type.String(), major: Type.Integer() })).fingerprint).not.toBe(NODE_GENOME_FINGERPRINT);
  });

  it('is served within a directory that adds the trace question compatibly: older clients keep calling it', () => {
    expect(compareGenomes(toGenome(nodeContract), toGenome(nodeDirectoryContract)).breaking).toEqual([]);
    expect(compareGenomes(toGenome(nodeSpansContract), toGenome(nodeDirectoryContract)).breaking).toEqual([]);
    // A client built with the trace question refuses an older directory: hence its own synapse.
    expect(compareGenomes(toGenome(nodeSpansContract), toGenome(nodeContract)).breaking).not.toEqual([]);
  });

  it('asks resolve for a name and a major version or null (any)', () => {
    const input = Compile(nodeContract.methods.resolve.input);
    expect(input.Check({ name: 'stock', major: 1 })).toBe(true);
    expect(input.Check({ name: 'stock', major: null })).toBe(true);
    expect(input.Check({ name: 'stock', major: 1.5 })).toBe(false);
    expect(input.Check({ name: 'stock', major: '1' })).toBe(false);
    expect(input.Check({ name: 'stock' })).toBe(false);
  });
});

describe('ServedCell', () => {
  const check = Compile(ServedCell);

  it('accepts a cell as nodes announce it', () => {
    expect(check.Check({ name: 'stock', version: '1.2.3', fingerprint: `sha256:${'a'.repeat(64)}` })).toBe(true);
  });

  it('refuses missing fields and oversized strings (peers may send anything)', () => {
    expect(check.Check({ name: 'stock', version: '1.2.3' })).toBe(false);
    expect(check.Check({ name: 'x'.repeat(64), version: '1.0.0', fingerprint: 'f' })).toBe(false);
    expect(check.Check({ name: 'stock', version: '1'.repeat(65), fingerprint: 'f' })).toBe(false);
    expect(check.Check({ name: 'stock', version: '1.0.0', fingerprint: 'f'.repeat(81) })).toBe(false);
    expect(check.Check({ name: 1, version: '1.0.0', fingerprint: 'f' })).toBe(false);
  });
});
