import type { CandidateStats } from '@cell/wire';

/** Something that can tell how its candidates look (a dependency's synapse pool). */
export interface CandidateSource {
  stats(): CandidateStats[];
}

const dependencies = new Map<string, CandidateSource>();

/** Records the synapse of a dependency of this process, for `cell status`. */
export function registerDependency(name: string, source: CandidateSource): void {
  dependencies.set(name, source);
}

/** How each dependency's candidates look right now (what the nucleus shows in `cell status`). */
export function dependencyStats(): Record<string, CandidateStats[]> {
  return Object.fromEntries([...dependencies].map(([name, source]) => [name, source.stats()]));
}
