import { describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../identity.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { AttestationBook, encodeAttestation, parseAttestation } from './build-attestation.ts';

const DIGEST_A = 'a'.repeat(64);
const DIGEST_B = 'b'.repeat(64);

describe('build attestations', () => {
  it('round-trip signed by the node they name; garbage, tampering and forged nodes are dropped', async () => {
    const dir = tempDir();
    try {
      const ada = await loadOrCreateIdentity(`${dir.path}/ada`);
      const eve = await loadOrCreateIdentity(`${dir.path}/eve`);
      const bytes = encodeAttestation(ada, 'bafy-manifest', { web: DIGEST_A });
      expect(parseAttestation(bytes)).toMatchObject({ v: 1, manifest: 'bafy-manifest', node: ada.peerId, artifacts: { web: DIGEST_A } });

      const parsed = JSON.parse(Buffer.from(bytes).toString()) as Record<string, unknown>;
      const tampered = Buffer.from(JSON.stringify({ ...parsed, artifacts: { web: DIGEST_B } }));
      expect(parseAttestation(tampered)).toBeUndefined();
      const forged = Buffer.from(JSON.stringify({ ...parsed, node: eve.peerId }));
      expect(parseAttestation(forged)).toBeUndefined();
      for (const garbage of ['', 'null', '{"v":1}', '\u0000\u0001', JSON.stringify({ ...parsed, extra: 1 }), 'x'.repeat(70_000)]) {
        expect(parseAttestation(Buffer.from(garbage))).toBeUndefined();
      }
    } finally {
      dir.remove();
    }
  });

  it('counts the other nodes that built the same bytes, and waits for enough of them or the deadline', async () => {
    const book = new AttestationBook('self');
    const mine = { web: DIGEST_A, api: DIGEST_B };
    const a = (node: string, artifacts: Record<string, string>) => ({ v: 1 as const, manifest: 'm1', node, artifacts, signature: 'unused' });
    book.record(a('self', mine)); // its own never counts
    book.record(a('n1', { api: DIGEST_B, web: DIGEST_A })); // same bytes, other key order
    book.record(a('n2', { web: DIGEST_B, api: DIGEST_B })); // different bytes
    book.record({ ...a('n3', mine), manifest: 'm2' }); // another manifest
    expect(book.agreeing('m1', mine)).toEqual(['n1']);

    const waiting = book.until('m1', mine, 2, new AbortController().signal);
    book.record(a('n2', mine)); // n2 rebuilt and now agrees (the latest per node counts)
    expect(await waiting).toBe(true);

    const deadline = new AbortController();
    const short = book.until('m1', mine, 5, deadline.signal);
    deadline.abort();
    expect(await short).toBe(false);
  });
});
