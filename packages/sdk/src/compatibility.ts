import type { Genome } from './genome.ts';

/** One difference between the genome a consumer expects and the one a producer serves. */
export interface GenomeChange {
  method: string;
  /** JSON path of the difference inside the method (`/input/properties/sku`), `/` for the method itself. */
  path: string;
  message: string;
}

/** Differences sorted by whether an old consumer survives them. */
export interface CompatibilityReport {
  compatible: GenomeChange[];
  breaking: GenomeChange[];
}

/**
 * Compares what a consumer was built against (`expected`) with what a producer serves (`actual`).
 * A method the consumer knows must exist with the same shape; methods it does not know are fine.
 */
export function compareGenomes(expected: Genome, actual: Genome): CompatibilityReport {
  const report: CompatibilityReport = { compatible: [], breaking: [] };
  for (const [name, method] of Object.entries(expected.methods)) {
    const other = actual.methods?.[name];
    if (!other) {
      report.breaking.push({ method: name, path: '/', message: `method ${name} was removed` });
    } else if (other.fingerprint !== method.fingerprint) {
      report.breaking.push({ method: name, path: '/', message: `method ${name} changed shape` });
    }
  }
  for (const name of Object.keys(actual.methods ?? {})) {
    if (!Object.hasOwn(expected.methods, name)) report.compatible.push({ method: name, path: '/', message: `method ${name} was added` });
  }
  return report;
}
