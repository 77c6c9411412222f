import { describe, expect, it } from 'vitest';
import type { ManifestCell } from '@cell/publish';
import { DEFAULT_REPLICA_MEMORY_BYTES, DEFAULT_REPLICA_STORAGE_BYTES, DonorCapacity, treeNeeds } from './donor-capacity.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const unset = { min: null, max: null };

function cell(name: string, replicas: number, resources: Partial<ManifestCell['resources']> = {}): ManifestCell {
  return { name, version: '1.0.0', path: name, bundle: 'bafy', replicas, deps: {}, resources: { cpu: unset, memory: unset, storage: unset, gpu: unset, ...resources } };
}

function errorOf(fn: () => unknown): { code?: string; message?: string; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string };
  }
  return {};
}

describe('treeNeeds', () => {
  it('counts the maximum, else the minimum, else the default, per replica', () => {
    const needs = treeNeeds({
      cells: [
        cell('api', 3, { cpu: { min: 0.25, max: 1 }, memory: { min: 128 * MiB, max: null }, storage: { min: null, max: GiB } }),
        cell('worker', 2),
      ],
    });
    expect(needs).toEqual({
      cpu: 3 * 1 + 2 * 0.5,
      memoryBytes: 3 * 128 * MiB + 2 * DEFAULT_REPLICA_MEMORY_BYTES,
      storageBytes: 3 * GiB + 2 * DEFAULT_REPLICA_STORAGE_BYTES,
    });
  });

  it('does not count a cell that runs no process (no entry)', () => {
    expect(treeNeeds({ cells: [{ ...cell('root', 1), runs: false }, cell('api', 2)] })).toEqual(treeNeeds({ cells: [cell('api', 2)] }));
  });

  it('adds fractions of cores exactly', () => {
    expect(treeNeeds({ cells: [cell('a', 3, { cpu: { min: 0.1, max: null } }), cell('b', 1, { cpu: { min: null, max: 0.2 } })] }).cpu).toBe(0.5);
  });

  it('refuses a negative amount, which would free capacity', () => {
    expect(errorOf(() => treeNeeds({ cells: [cell('a', 1, { memory: { min: null, max: -1 } })] })).code).toBe('CELL_E_MANIFEST_INVALID');
  });
});

describe('DonorCapacity', () => {
  const offered = { cpu: 2, memoryBytes: 4 * GiB, storageBytes: 10 * GiB };

  it('refuses an offer that is not above 0', () => {
    expect(errorOf(() => new DonorCapacity({ ...offered, cpu: 0 })).code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(errorOf(() => new DonorCapacity({ ...offered, memoryBytes: Number.NaN })).code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(errorOf(() => new DonorCapacity({ ...offered, storageBytes: 1.5 })).code).toBe('CELL_E_INVALID_ARGUMENT');
  });

  it('holds what placements reserve until they release it, once', () => {
    const capacity = new DonorCapacity(offered);
    expect(capacity.free()).toEqual(offered);
    const release = capacity.reserve('shop', { cpu: 0.5, memoryBytes: GiB, storageBytes: GiB });
    capacity.reserve('blog', { cpu: 1.5, memoryBytes: GiB, storageBytes: GiB });
    expect(capacity.used()).toEqual({ cpu: 2, memoryBytes: 2 * GiB, storageBytes: 2 * GiB });
    expect(capacity.free()).toEqual({ cpu: 0, memoryBytes: 2 * GiB, storageBytes: 8 * GiB });
    release();
    release();
    expect(capacity.used()).toEqual({ cpu: 1.5, memoryBytes: GiB, storageBytes: GiB });
    expect(capacity.offered).toEqual(offered);
  });

  it('fills exactly to the offer, with fractions of cores', () => {
    const capacity = new DonorCapacity({ ...offered, cpu: 0.3 });
    capacity.reserve('a', { cpu: 0.1, memoryBytes: 0, storageBytes: 0 });
    capacity.reserve('b', { cpu: 0.2, memoryBytes: 0, storageBytes: 0 });
    expect(capacity.free().cpu).toBe(0);
  });

  it('refuses a placement that does not fit what is left, naming the resource and by how much', () => {
    const capacity = new DonorCapacity(offered);
    capacity.reserve('shop', { cpu: 1, memoryBytes: 3 * GiB, storageBytes: GiB });
    const err = errorOf(() => capacity.reserve('blog', { cpu: 0.5, memoryBytes: 1.5 * GiB, storageBytes: GiB }));
    expect(err.code).toBe('CELL_E_CAPACITY');
    expect(err.details).toEqual({
      asked: { cpu: 0.5, memoryBytes: 1.5 * GiB, storageBytes: GiB },
      free: { cpu: 1, memoryBytes: GiB, storageBytes: 9 * GiB },
      offered,
    });
    expect(err.message).toContain('memory');
    expect(err.message).toContain('512 MiB');
    expect(err.message).not.toContain('CPU');
    // Nothing was held for the refused placement.
    expect(capacity.used()).toEqual({ cpu: 1, memoryBytes: 3 * GiB, storageBytes: GiB });
  });

  it('refuses a placement larger than the whole offer, naming every short resource', () => {
    const err = errorOf(() => new DonorCapacity(offered).reserve('big', { cpu: 3, memoryBytes: 6 * GiB, storageBytes: GiB }));
    expect(err.code).toBe('CELL_E_CAPACITY');
    expect(err.message).toContain('1 core more');
    expect(err.message).toContain('2 GiB more');
    expect(err.message).toContain('offers');
  });

  it('refuses an id that already holds a reservation; a stale release does not free its successor', () => {
    const capacity = new DonorCapacity(offered);
    const need = { cpu: 1, memoryBytes: GiB, storageBytes: GiB };
    const first = capacity.reserve('shop', need);
    expect(errorOf(() => capacity.reserve('shop', need)).code).toBe('CELL_E_INVALID_ARGUMENT');
    first();
    capacity.reserve('shop', need);
    first();
    expect(capacity.used()).toEqual(need);
  });

  it('refuses a negative need', () => {
    expect(errorOf(() => new DonorCapacity(offered).reserve('x', { cpu: -1, memoryBytes: 0, storageBytes: 0 })).code).toBe('CELL_E_INVALID_ARGUMENT');
  });

  it('reserves what a tree needs', () => {
    const capacity = new DonorCapacity(offered);
    capacity.reserve('shop', treeNeeds({ cells: [cell('api', 4)] }));
    expect(capacity.free()).toEqual({ cpu: 0, memoryBytes: 3 * GiB, storageBytes: 9 * GiB });
    expect(errorOf(() => capacity.reserve('more', treeNeeds({ cells: [cell('api', 1)] }))).code).toBe('CELL_E_CAPACITY');
  });
});
