import { CID } from 'multiformats/cid';
import * as json from 'multiformats/codecs/json';
import { sha256 } from 'multiformats/hashes/sha2';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { CellError, lazy } from '@cell/protocol';
import { keyFromPeerId } from '@cell/wire';
import { type Author, AuthorRecordSchema, verifyAuthorRecord } from './author.ts';
import { canonicalBytes, canonicalJson } from './canonical-json.ts';
import { verifyEd25519 } from './ed25519.ts';

const Bound = Type.Union([Type.Number(), Type.Null()]);
const RangeSchema = Type.Object({ min: Bound, max: Bound }, { additionalProperties: false });
const Cid = Type.String({ minLength: 1, maxLength: 200 });

/** One cell of a published tree. */
export const ManifestCellSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.String({ minLength: 1, maxLength: 100 }),
    /** The cell's directory relative to the tree's root, `/`-separated (`.` for the root). */
    path: Type.String({ minLength: 1, maxLength: 1000 }),
    /** CID of its source bundle (a UnixFS directory). */
    bundle: Cid,
    /** What one replica needs (`[resources]`, bytes and cores; null where not given). */
    resources: Type.Object({ cpu: RangeSchema, memory: RangeSchema, storage: RangeSchema, gpu: RangeSchema }, { additionalProperties: false }),
    /** Replicas the tree asks for. */
    replicas: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** False for a cell donors do not run: a group (no process of its own); absent: it runs (a Node or a process cell). */
    runs: Type.Optional(Type.Boolean()),
    /** True for a process cell (`[cell] run`): a donor that cannot run those refuses the tree before fetching it. */
    process: Type.Optional(Type.Literal(true)),
    /** Dependencies on cells of the tree, by the name the cell gives them -> the dependency's path. */
    deps: Type.Record(Type.String(), Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

/** A published tree: what a donor fetches first, checks, and builds from. */
export const ManifestSchema = Type.Object(
  {
    v: Type.Literal(1),
    tree: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 200 }),
        version: Type.String({ minLength: 1, maxLength: 100 }),
        /** Build quorum: a donor runs the tree only once this many donors (itself included) built the same bytes. Absent: 1. */
        quorum: Type.Optional(Type.Integer({ minimum: 2, maximum: 16 })),
      },
      { additionalProperties: false },
    ),
    cells: Type.Array(ManifestCellSchema, { minItems: 1, maxItems: 10_000 }),
    author: AuthorRecordSchema,
    /** CID of the manifest this one follows (same tree, same author), null for the first. */
    previous: Type.Union([Cid, Type.Null()]),
    created: Type.String({ minLength: 1, maxLength: 40 }),
    /** Ed25519 signature (base64url) by `author.key` of the manifest without this field, canonical JSON, prefixed by `cell/manifest/1\n`. */
    signature: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export type Manifest = Static<typeof ManifestSchema>;
export type ManifestCell = Static<typeof ManifestCellSchema>;
export type UnsignedManifest = Omit<Manifest, 'signature' | 'author'>;

/** Manifests larger than this are refused unread. */
export const MAX_MANIFEST_BYTES = 1 << 20;
const MANIFEST_DOMAIN = 'cell/manifest/1\n';
const checker = lazy(() => Compile(ManifestSchema));

function signedPart(m: Omit<Manifest, 'signature'>): Uint8Array {
  return Buffer.concat([Buffer.from(MANIFEST_DOMAIN), canonicalBytes({ ...m, signature: undefined })]);
}

/** The manifest signed by `author`, its record included. */
export function signManifest(body: UnsignedManifest, author: Author): Manifest {
  const unsigned = { ...body, author: author.record };
  return { ...unsigned, signature: author.sign(signedPart(unsigned)).toString('base64url') };
}

/** The manifest as stored and hashed: canonical JSON, and its CID (CIDv1, json codec, sha2-256). */
export async function encodeManifest(m: Manifest): Promise<{ bytes: Uint8Array; cid: CID }> {
  const bytes = canonicalBytes(m);
  return { bytes, cid: CID.create(1, json.code, await sha256.digest(bytes)) };
}

function invalid(reason: string, message: string, cause?: unknown): CellError {
  return new CellError('CELL_E_MANIFEST_INVALID', message, { details: { reason }, cause });
}

function parseCid(value: string, what: string): CID {
  try {
    const cid = CID.parse(value);
    if (cid.version !== 1) throw new Error('not a CIDv1');
    return cid;
  } catch (err) {
    throw invalid('schema', `${what} is not a CIDv1: ${value}`, err);
  }
}

export interface VerifiedManifest {
  manifest: Manifest;
  cid: CID;
  /** The author's raw Ed25519 public key (for a trust policy; `manifest.author.key` is its peer-id form). */
  authorKey: Buffer;
}

/**
 * What a donor calls on bytes it fetched: the manifest's size and shape, that the bytes are its
 * canonical form (so one manifest has one CID) and hash to `expected` when given, every CID
 * well-formed, the author record signed by its key, and the manifest signed by that same key.
 * Throws CELL_E_MANIFEST_INVALID with `details.reason` (`size`, `json`, `schema`, `canonical`,
 * `cid`, `author`, `signature`); whether the author is trusted is the caller's policy.
 */
export async function verifyManifest(bytes: Uint8Array, expected?: CID): Promise<VerifiedManifest> {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) throw invalid('size', `a manifest has at most ${MAX_MANIFEST_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw invalid('json', 'the manifest is not JSON', err);
  }
  if (!checker().Check(value)) {
    const first = checker().Errors(value)[0];
    throw invalid('schema', `the manifest is malformed${first ? ` at ${first.instancePath || '/'}: ${first.message}` : ''}`);
  }
  const m = value;
  if (canonicalJson(m) !== new TextDecoder().decode(bytes)) throw invalid('canonical', 'the manifest is not in canonical JSON form');
  const { cid } = await encodeManifest(m);
  if (expected && !cid.equals(expected)) throw invalid('cid', `the manifest hashes to ${cid}, not ${expected}`);
  for (const c of m.cells) parseCid(c.bundle, `the bundle of ${c.name}`);
  if (m.previous !== null) parseCid(m.previous, 'previous');
  verifyAuthorRecord(m.author);
  const authorKey = keyFromPeerId(m.author.key);
  if (!verifyEd25519(authorKey, signedPart(m), Buffer.from(m.signature, 'base64url'))) {
    throw invalid('signature', `the manifest is not signed by its author ${m.author.key}`);
  }
  return { manifest: m, cid, authorKey };
}
