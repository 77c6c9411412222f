import { describe, expect, it } from 'vitest';
import { compareGenomes, type Genome } from '@cell/contract';
import { capturedLogger, storeGenome } from '../test-fixtures/temp-cells.ts';
import type { DependencyTypes } from './dependency-types.ts';
import { reportTypes } from './report-types.ts';

function types(action: DependencyTypes['action'], genome: Genome, locked?: Genome): DependencyTypes {
  return {
    consumer: 'api',
    dep: 'inventory',
    producer: 'store',
    source: action === 'kept-locked' ? 'lock' : 'source',
    report: locked ? compareGenomes(locked, genome) : undefined,
    action,
    genome: action === 'kept-locked' && locked ? locked : genome,
    bindingsFile: '/srv/api/.cell/bindings/inventory.ts',
  };
}

describe('reportTypes', () => {
  const v1 = storeGenome('1.0.0');

  it('warns when a breaking change kept the locked genome, listing the changes', () => {
    const { logger, lines } = capturedLogger();
    reportTypes(logger, types('kept-locked', storeGenome('1.1.0', 'breaking'), v1));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', cell: 'api', dep: 'inventory', version: '1.0.0', source: 'lock' });
    expect(lines[0]!['breaking']).toEqual(expect.arrayContaining([expect.any(String)]));
  });

  it('tells of bindings updated by a compatible change, listing the changes', () => {
    const { logger, lines } = capturedLogger();
    reportTypes(logger, types('updated', storeGenome('1.1.0', 'compatible'), v1));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', cell: 'api', dep: 'inventory', version: '1.1.0', source: 'source' });
    expect((lines[0]!['changes'] as string[]).length).toBeGreaterThan(0);
    expect(lines[0]!['breaking']).toBeUndefined();
  });

  it('tells of a dependency locked for the first time', () => {
    const { logger, lines } = capturedLogger();
    reportTypes(logger, types('created', v1));
    expect(lines).toEqual([expect.objectContaining({ level: 'info', cell: 'api', dep: 'inventory', version: '1.0.0', source: 'source' })]);
    expect(lines[0]!['changes']).toBeUndefined();
  });

  it('says nothing when nothing changed', () => {
    const { logger, lines } = capturedLogger();
    reportTypes(logger, types('unchanged', v1));
    expect(lines).toEqual([]);
  });

  it('gives each action its own message', () => {
    const { logger, lines } = capturedLogger();
    reportTypes(logger, types('kept-locked', storeGenome('1.1.0', 'breaking'), v1));
    reportTypes(logger, types('updated', storeGenome('1.1.0', 'compatible'), v1));
    reportTypes(logger, types('created', v1));
    expect(new Set(lines.map((l) => l.msg)).size).toBe(3);
  });
});
