import { describe, expect, it } from 'vitest';
import { Candidate, endpointId, withShares } from './candidates.ts';

describe('candidates', () => {
  it('names endpoints stably', () => {
    expect(endpointId({ kind: 'unix', path: '/x/run/a-0.sock' })).toBe('/x/run/a-0.sock');
    expect(endpointId({ kind: 'axon', host: '10.0.0.1', port: 7700, key: undefined, node: undefined })).toBe('axon://10.0.0.1:7700');
    expect(endpointId({ kind: 'axon', host: '10.0.0.1', port: 7700, key: undefined, node: '12D3KooWx' })).toBe('axon://12D3KooWx@10.0.0.1:7700');
  });

  it('backs off doubling per failure, at most 5 s', () => {
    const c = new Candidate({ kind: 'unix', path: '/s' });
    c.backOff(1000, 25);
    expect(c.retryAt).toBe(1025);
    c.failures = 3;
    c.backOff(1000, 25);
    expect(c.retryAt).toBe(1200);
    c.failures = 30;
    c.backOff(1000, 25);
    expect(c.retryAt).toBe(6000);
  });

  it('reports a candidate without a connection, and shares of calls', () => {
    const c = new Candidate({ kind: 'axon', host: 'h', port: 1, key: undefined, node: 'n' });
    c.pastCalls = 3;
    const rows = withShares([c.stats(), { ...new Candidate({ kind: 'unix', path: '/p' }).stats(), calls: 1 }]);
    expect(rows[0]).toMatchObject({ local: false, node: 'n', connected: false, latencyMs: null, score: null, calls: 3, share: 0.75 });
    expect(rows[1]).toMatchObject({ local: true, node: null, share: 0.25 });
    expect(withShares([new Candidate({ kind: 'unix', path: '/q' }).stats()])[0]!.share).toBe(0);
  });
});
