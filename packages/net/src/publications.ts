import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { CID } from 'multiformats/cid';
import writeFileAtomic from 'write-file-atomic';
import { lazy } from '@cell/protocol';

/**
 * What a node gossips on the publish topic about a tree published from it: enough for a donor to
 * decide whether to fetch the manifest (by CID, from any peer) and verify it.
 */
export const PublicationNoticeSchema = Type.Object({
  v: Type.Literal(1),
  /** CID of the signed manifest. */
  manifest: Type.String({ minLength: 1, maxLength: 200 }),
  /** The author's key (peer-id form) that signed it. */
  author: Type.String({ minLength: 1, maxLength: 128 }),
  tree: Type.String({ minLength: 1, maxLength: 200 }),
  version: Type.String({ minLength: 1, maxLength: 100 }),
  /** The node that announced it (and has its blocks). */
  node: Type.String({ minLength: 1, maxLength: 128 }),
});

export type PublicationNotice = Static<typeof PublicationNoticeSchema>;

const checker = lazy(() => Compile(PublicationNoticeSchema));
const MAX_NOTICE_BYTES = 4096;

/** The notice in `data`, or undefined for anything malformed (peers may send garbage). */
export function parsePublicationNotice(data: Uint8Array): PublicationNotice | undefined {
  if (data.byteLength > MAX_NOTICE_BYTES) return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(data));
    if (!checker().Check(value)) return undefined;
    CID.parse(value.manifest);
    return value;
  } catch {
    return undefined;
  }
}

export function encodePublicationNotice(n: PublicationNotice): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(n));
}

/** A tree published from this machine: re-announced by its node while it runs. */
export interface PublishedTree {
  tree: string;
  version: string;
  author: string;
  manifest: string;
  /** Every CID to provide: the manifest and each bundle. */
  cids: string[];
}

interface PublishedFile {
  v: 1;
  trees: PublishedTree[];
}

const FILE = 'published.json';

/** Trees published from this machine (latest manifest per tree and author), from the content directory. */
export function readPublished(storeDir: string): PublishedTree[] {
  const file = join(storeDir, FILE);
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as PublishedFile;
    return parsed.v === 1 && Array.isArray(parsed.trees) ? parsed.trees : [];
  } catch {
    return [];
  }
}

/** Records a publication, replacing the previous manifest of the same tree by the same author. */
export async function recordPublished(storeDir: string, entry: PublishedTree): Promise<void> {
  await mkdir(storeDir, { recursive: true, mode: 0o700 });
  const trees = readPublished(storeDir).filter((t) => !(t.tree === entry.tree && t.author === entry.author));
  trees.push(entry);
  trees.sort((a, b) => a.tree.localeCompare(b.tree) || a.author.localeCompare(b.author));
  const body: PublishedFile = { v: 1, trees };
  await writeFileAtomic(join(storeDir, FILE), `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
}
