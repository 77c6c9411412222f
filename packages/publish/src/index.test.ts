import { describe, expect, it } from 'vitest';
import * as publish from './index.ts';

describe('@cell/publish public surface', () => {
  it('exports exactly what other packages use, by hand', () => {
    expect(Object.keys(publish).sort()).toEqual([
      'MAX_MANIFEST_BYTES',
      'TARBALL_DIR',
      'authorFile',
      'canonicalJson',
      'createAuthor',
      'encodeManifest',
      'loadAuthor',
      'npmTarballs',
      'planBundle',
      'publishTree',
      'signManifest',
      'storeBundle',
      'verifyAuthorRecord',
      'verifyEd25519',
      'verifyManifest',
    ]);
  });
});
