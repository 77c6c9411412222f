import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { toGenome } from '@cell/contract';
import { nucleusContract, TreeStatus } from './nucleus-contract.ts';

describe('nucleus contract', () => {
  it('declares the control methods a tree answers, with typed errors', () => {
    const genome = toGenome(nucleusContract);
    expect(Object.keys(genome.methods).sort()).toEqual(['reload', 'resolve', 'restart', 'scale', 'spans', 'start', 'status', 'stop', 'stopCell']);
    expect(Object.keys(genome.methods['scale']!.errors).sort()).toEqual(['NoSuchCell', 'NotYourCell', 'OverCapacity', 'ScaleFailed']);
    expect(Object.keys(genome.methods['start']!.errors).sort()).toEqual(['NoSuchCell', 'StartFailed']);
    expect(Object.keys(genome.methods['reload']!.errors).sort()).toEqual(['NoSuchCell', 'ReloadFailed']);
    expect(Object.keys(genome.methods['restart']!.errors).sort()).toEqual(['NoSuchCell', 'RestartFailed']);
  });

  it('checks a status document the way docs/status.md describes it', () => {
    const check = Compile(TreeStatus);
    const status = {
      version: 1,
      root: '/t',
      nucleus: { pid: 1, startedAt: 0, uptimeMs: 0, phase: 'running' },
      cells: [],
      gateway: null,
      metrics: null,
      dashboard: null,
      network: null,
    };
    expect(check.Check(status)).toBe(true);
    expect(check.Check({ ...status, version: 2 })).toBe(false);
    expect(check.Check({ ...status, nucleus: { ...status.nucleus, phase: 'dreaming' } })).toBe(false);
  });
});
