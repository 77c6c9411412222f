import { describe, expect, it } from 'vitest';
import * as contract from './index.ts';

describe('@cell/contract public surface', () => {
  it('exports exactly the contract builders, genomes, compatibility reports, validators and the bytes schema', () => {
    expect(Object.keys(contract).sort()).toEqual(
      [
        'Bytes',
        'bytesLimits',
        'isBytesSchema',
        'canonicalJson',
        'clientStream',
        'compareGenomes',
        'compileValidator',
        'lazyValidator',
        'defineContract',
        'describeSchema',
        'duplex',
        'formatChange',
        'genomeFingerprint',
        'methodFingerprint',
        'notify',
        'schemaShape',
        'serverStream',
        'toGenome',
        'unary',
        'unknownKeys',
      ].sort(),
    );
  });
});
