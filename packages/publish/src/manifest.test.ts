import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Author, createAuthor } from './author.ts';
import { canonicalBytes } from './canonical-json.ts';
import { encodeManifest, type Manifest, MAX_MANIFEST_BYTES, signManifest, type UnsignedManifest, verifyManifest } from './manifest.ts';
import { tempDir } from './test-support/temp-dir.ts';

const BUNDLE = 'bafybeieepibsbaqxo2a6ootdmad7dkx4d7xbphg7omatlcnn6mhlcrh5oy';
const range = { min: null, max: null };
const body: UnsignedManifest = {
  v: 1,
  tree: { name: 'shop', version: '1.0.0' },
  cells: [{ name: 'orders', version: '1.0.0', path: 'cells/orders', bundle: BUNDLE, resources: { cpu: { min: 0.25, max: 1 }, memory: { min: null, max: 268435456 }, storage: range, gpu: range }, replicas: 2, deps: { payments: 'cells/payments' } }],
  previous: null,
  created: '2026-01-02T03:04:05.000Z',
};

async function reasonOf(bytes: Uint8Array, expected?: CID): Promise<string> {
  return verifyManifest(bytes, expected).then(
    () => 'ok',
    (err: { code: string; details?: { reason?: string } }) => `${err.code}:${err.details?.reason}`,
  );
}

describe('manifests', () => {
  const dir = tempDir('cell-manifest-');
  let ada: Author;
  let mallory: Author;
  let signed: Manifest;
  beforeAll(async () => {
    ada = await createAuthor({ home: join(dir.path, 'ada'), name: 'Ada', contact: 'ada@example.org' });
    mallory = await createAuthor({ home: join(dir.path, 'mallory'), name: 'Mallory', contact: 'm@example.org' });
    signed = signManifest(body, ada);
  });
  afterAll(() => dir.remove());

  it('signs a manifest that anyone verifies from its bytes alone, under the CID the bytes hash to', async () => {
    const { bytes, cid } = await encodeManifest(signed);
    expect(cid.toString()).toMatch(/^bagaaiera/); // CIDv1, json codec, sha2-256
    const v = await verifyManifest(bytes, cid);
    expect(v.manifest).toEqual(signed);
    expect(v.cid.equals(cid)).toBe(true);
    expect(v.manifest.author.key).toBe(ada.record.key);
    expect(v.authorKey).toHaveLength(32);
    // Same manifest, same bytes, same CID.
    expect((await encodeManifest(JSON.parse(JSON.stringify(signed)) as Manifest)).cid.equals(cid)).toBe(true);
  });

  it('refuses a tampered manifest: another bundle, more replicas, another previous', async () => {
    for (const tampered of [
      { ...signed, cells: [{ ...signed.cells[0]!, bundle: 'bafybeidufntxglsnju3niv7xhz3yvxsrnz4pqf6ouzb2jf425sudyyakm4' }] },
      { ...signed, cells: [{ ...signed.cells[0]!, replicas: 50 }] },
      { ...signed, previous: 'bafybeidufntxglsnju3niv7xhz3yvxsrnz4pqf6ouzb2jf425sudyyakm4' },
    ]) {
      expect(await reasonOf(canonicalBytes(tampered))).toBe('CELL_E_MANIFEST_INVALID:signature');
    }
  });

  it('refuses the wrong author: a valid record of someone else, or a signature by another key', async () => {
    // Mallory swaps in her own (valid) record over Ada's signature.
    expect(await reasonOf(canonicalBytes({ ...signed, author: mallory.record }))).toBe('CELL_E_MANIFEST_INVALID:signature');
    // Mallory signs, but claims to be Ada.
    const forged = { ...signManifest(body, mallory), author: ada.record };
    expect(await reasonOf(canonicalBytes(forged))).toBe('CELL_E_MANIFEST_INVALID:signature');
    // Ada's record altered to another name.
    expect(await reasonOf(canonicalBytes({ ...signed, author: { ...ada.record, name: 'Ada L.' } }))).toBe('CELL_E_MANIFEST_INVALID:author');
    expect(await reasonOf(canonicalBytes({ ...signed, signature: 'AAAA' }))).toBe('CELL_E_MANIFEST_INVALID:signature');
  });

  it('refuses malformed CIDs, missing fields, non-canonical bytes, a CID mismatch and oversized input', async () => {
    const badCid = signManifest({ ...body, cells: [{ ...body.cells[0]!, bundle: 'not-a-cid' }] }, ada);
    expect(await reasonOf(canonicalBytes(badCid))).toBe('CELL_E_MANIFEST_INVALID:schema');
    const v0 = signManifest({ ...body, previous: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' }, ada);
    expect(await reasonOf(canonicalBytes(v0))).toBe('CELL_E_MANIFEST_INVALID:schema');
    const { signature: _s, ...unsigned } = signed;
    expect(await reasonOf(canonicalBytes(unsigned))).toBe('CELL_E_MANIFEST_INVALID:schema');
    expect(await reasonOf(Buffer.from(JSON.stringify(signed, null, 2)))).toBe('CELL_E_MANIFEST_INVALID:canonical');
    expect(await reasonOf(Buffer.from('{"v":'))).toBe('CELL_E_MANIFEST_INVALID:json');
    const other = (await encodeManifest(signManifest({ ...body, created: '2027-01-01T00:00:00.000Z' }, ada))).cid;
    expect(await reasonOf((await encodeManifest(signed)).bytes, other)).toBe('CELL_E_MANIFEST_INVALID:cid');
    expect(await reasonOf(new Uint8Array(MAX_MANIFEST_BYTES + 1))).toBe('CELL_E_MANIFEST_INVALID:size');
  });
});
