import type { Static } from 'typebox';
import type { RemoteCandidate } from '@cell/host';

type Candidate = Static<typeof RemoteCandidate>;

/** Candidates split into those a consumer may call and the nodes it must not. */
export interface TrustVerdict {
  candidates: Candidate[];
  refused: Array<{ node: string; reason: string }>;
}

/**
 * Only trusted nodes serve a dependency found by name: a node whose key is not in `trusted` is
 * never a candidate, whatever it announces. `null` trusts whoever serves at a static address
 * (the caller pins that node's key, or trusts it on first use).
 */
export function filterTrusted(found: readonly Candidate[], trusted: readonly string[] | null, cell: string): TrustVerdict {
  if (trusted === null) return { candidates: [...found], refused: [] };
  const allowed = new Set(trusted);
  const verdict: TrustVerdict = { candidates: [], refused: [] };
  for (const c of found) {
    if (allowed.has(c.node)) verdict.candidates.push(c);
    else if (!verdict.refused.some((r) => r.node === c.node)) {
      verdict.refused.push({ node: c.node, reason: `serves ${cell}@${c.version} but is not trusted (list its key in the dependency's trust, or in [network] trusted_keys)` });
    }
  }
  return verdict;
}
