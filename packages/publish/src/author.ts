import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import writeFileAtomic from 'write-file-atomic';
import { CellError, lazy } from '@cell/protocol';
import { keyFromPeerId, peerIdFromKey } from '@cell/wire';
import { canonicalBytes } from './canonical-json.ts';
import { generateEd25519, privateKeyOf, publicKeyOfSeed, type RawKeyPair, signEd25519, verifyEd25519 } from './ed25519.ts';

/** Who publishes: a name and a way to reach them, bound to an Ed25519 key by its own signature. */
export const AuthorRecordSchema = Type.Object(
  {
    v: Type.Literal(1),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    contact: Type.String({ minLength: 1, maxLength: 200 }),
    /** The author's public key, written like a node key (an Ed25519 peer id, `12D3KooW...`). */
    key: Type.String({ minLength: 1, maxLength: 128 }),
    /** When the record was made (ISO 8601, UTC). */
    created: Type.String({ minLength: 1, maxLength: 40 }),
    /** Ed25519 signature (base64url) of the record without this field, canonical JSON, prefixed by `cell/author/1\n`. */
    signature: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export type AuthorRecord = Static<typeof AuthorRecordSchema>;

/** An author whose private key is on this machine. */
export interface Author {
  readonly record: AuthorRecord;
  /** Where the key is kept (mode 0600). */
  readonly file: string;
  /** Signs bytes with the author key. */
  sign(data: Uint8Array): Buffer;
}

interface AuthorFile {
  version: 1;
  /** The Ed25519 seed, base64. */
  privateKey: string;
  record: AuthorRecord;
}

const AUTHOR_DOMAIN = 'cell/author/1\n';
const checker = lazy(() => Compile(AuthorRecordSchema));

/** The file an author key lives in under `home` (CELL_HOME). */
export function authorFile(home: string): string {
  return join(home, 'author.json');
}

/** The bytes an author record's signature covers. */
function signedPart(record: Omit<AuthorRecord, 'signature'>): Uint8Array {
  return Buffer.concat([Buffer.from(AUTHOR_DOMAIN), canonicalBytes({ ...record, signature: undefined })]);
}

function checkText(what: string, value: string): string {
  const v = value.trim();
  // Control characters would let a name pass for another in a terminal.
  if (v.length === 0 || v.length > 200 || [...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `--${what} must be 1 to 200 characters with no control characters`);
  }
  return v;
}

function fromPair(pair: RawKeyPair, record: AuthorRecord, file: string): Author {
  const key = privateKeyOf(pair);
  return { record, file, sign: (data) => signEd25519(key, data) };
}

export interface CreateAuthorOptions {
  home: string;
  name: string;
  contact: string;
  /** Replace an existing author key. */
  force?: boolean;
  now?: () => Date;
}

/**
 * Makes an author key and its signed record in `home`, mode 0600 (the node key, `identity.json`,
 * is another key: a machine's identity is not its owner's). Refuses to replace an existing author
 * unless `force`.
 */
export async function createAuthor(options: CreateAuthorOptions): Promise<Author> {
  const file = authorFile(options.home);
  if (existsSync(file) && !options.force) {
    throw new CellError('CELL_E_AUTHOR_EXISTS', `an author key already exists in ${file}; --force replaces it`, { details: { file } });
  }
  const name = checkText('name', options.name);
  const contact = checkText('contact', options.contact);
  const pair = generateEd25519();
  const unsigned = { v: 1 as const, name, contact, key: peerIdFromKey(pair.publicKey), created: (options.now?.() ?? new Date()).toISOString() };
  const record: AuthorRecord = { ...unsigned, signature: signEd25519(privateKeyOf(pair), signedPart(unsigned)).toString('base64url') };
  await mkdir(options.home, { recursive: true, mode: 0o700 });
  const stored: AuthorFile = { version: 1, privateKey: pair.seed.toString('base64'), record };
  await writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return fromPair(pair, record, file);
}

/** The author whose key is in `home`; CELL_E_AUTHOR_MISSING when there is none. */
export function loadAuthor(home: string): Author {
  const file = authorFile(home);
  if (!existsSync(file)) throw new CellError('CELL_E_AUTHOR_MISSING', `no author key in ${file}: run cell author init --name <name> --contact <contact>`, { details: { file } });
  let stored: AuthorFile;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as AuthorFile;
  } catch (err) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${file} is not an author key: ${(err as Error).message}`, { cause: err });
  }
  if (typeof stored !== 'object' || stored === null || stored.version !== 1 || typeof stored.privateKey !== 'string') {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${file} is not an author key of format 1`);
  }
  const record = verifyAuthorRecord(stored.record);
  const seed = Buffer.from(stored.privateKey, 'base64');
  const publicKey = keyFromPeerId(record.key);
  let derived: Buffer | undefined;
  try {
    derived = seed.length === 32 ? publicKeyOfSeed(seed) : undefined;
  } catch {
    derived = undefined;
  }
  if (!derived?.equals(publicKey)) throw new CellError('CELL_E_INVALID_ARGUMENT', `${file}: the private key does not match the record's key`);
  return fromPair({ seed, publicKey }, record, file);
}

/**
 * Checks an author record anyone sent: its shape, and that it is signed by the key it names.
 * Returns it typed; throws CELL_E_MANIFEST_INVALID (`details.reason`: `schema` or `author`).
 */
export function verifyAuthorRecord(value: unknown): AuthorRecord {
  if (!checker().Check(value)) throw new CellError('CELL_E_MANIFEST_INVALID', 'the author record is malformed', { details: { reason: 'schema' } });
  let publicKey: Buffer;
  try {
    publicKey = keyFromPeerId(value.key);
  } catch (err) {
    throw new CellError('CELL_E_MANIFEST_INVALID', `the author key ${value.key} is not an Ed25519 key`, { details: { reason: 'schema' }, cause: err });
  }
  if (!verifyEd25519(publicKey, signedPart(value), Buffer.from(value.signature, 'base64url'))) {
    throw new CellError('CELL_E_MANIFEST_INVALID', `the author record of ${value.key} is not signed by that key`, { details: { reason: 'author' } });
  }
  return value;
}
