import { describe, expect, it } from 'vitest';
import { toGenome } from '@cell/contract';
import { nucleusContract } from './nucleus-contract.ts';
import { nucleusGenome } from './nucleus-genome.ts';

describe('nucleusGenome', () => {
  it('is the genome of the nucleus contract (after a change to the contract: node --conditions=cell-source tools/nucleus-genome.ts)', () => {
    expect(nucleusGenome()).toEqual(toGenome(nucleusContract));
    expect(nucleusGenome()).toBe(nucleusGenome());
    expect(Object.isFrozen(nucleusGenome())).toBe(true);
  });
});
