import { formatChange } from '@cell/contract';
import type { Logger } from '@cell/sdk';
import type { DependencyTypes } from './dependency-types.ts';

/** Logs what happened to one dependency's bindings and lock entry. */
export function reportTypes(log: Logger, t: DependencyTypes): void {
  const fields = { cell: t.consumer, dep: t.dep, version: t.genome.version, source: t.source };
  if (t.action === 'kept-locked') {
    log.warn(
      { ...fields, breaking: t.report?.breaking.map(formatChange) },
      'dependency changed incompatibly; kept the locked genome (run cell check, then cell types to accept it)',
    );
  } else if (t.action === 'updated') {
    log.info({ ...fields, changes: t.report?.compatible.map(formatChange) }, 'dependency bindings updated');
  } else if (t.action === 'created') {
    log.info(fields, 'dependency locked');
  }
}
