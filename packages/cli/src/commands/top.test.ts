import { describe, expect, it } from 'vitest';
import { CpuSampler } from './top.ts';

describe('CpuSampler', () => {
  it('gives each process its share of one CPU between two looks, none at the first look or for a process gone', () => {
    const sampler = new CpuSampler();
    let cpu: Record<number, number | null> = { 1: 10, 2: 5 };
    sampler.sample([1, 2], 1000, (pid) => cpu[pid] ?? null);
    expect(sampler.percentOf(1)).toBeNull();
    cpu = { 1: 10.5, 2: 5, 3: 1 };
    sampler.sample([1, 2, 3], 2000, (pid) => cpu[pid] ?? null);
    expect(sampler.percentOf(1)).toBeCloseTo(50);
    expect(sampler.percentOf(2)).toBe(0);
    expect(sampler.percentOf(3)).toBeNull(); // new: seen once
    cpu = { 1: null, 3: 1.25 };
    sampler.sample([1, 3], 2500, (pid) => cpu[pid] ?? null);
    expect(sampler.percentOf(1)).toBeNull();
    expect(sampler.percentOf(3)).toBeCloseTo(50);
  });

  it('reads real processes: this one used some CPU', () => {
    const sampler = new CpuSampler();
    sampler.sample([process.pid], performance.now());
    const until = performance.now() + 60;
    while (performance.now() < until); // busy for 60 ms
    sampler.sample([process.pid], performance.now());
    expect(sampler.percentOf(process.pid)).not.toBeNull();
  });
});
