import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';

/** The DHT key under which nodes provide a cell at a major version (or any, for `null`). */
export async function cellKey(name: string, major: number | null): Promise<CID> {
  return CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(`cell:${name}@${major ?? '*'}`)));
}
