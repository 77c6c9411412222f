import { readFileSync } from 'node:fs';
import { CellError } from '@cell/protocol';
import { isPeerId, keyFromPeerId, peerIdFromKey } from '@cell/wire';

/**
 * Whose published trees a donor runs (`cell donate --trust <spec>`). A policy only judges an
 * author key: the caller passes the key of a manifest that `verifyManifest` accepted, so that
 * "any" means any *identified* author (a record and a manifest signed by that key), never an
 * anonymous one.
 */
export interface TrustPolicy {
  /** `any`: every identified author; `authors`: only the listed keys. */
  readonly kind: 'any' | 'authors';
  /**
   * Whether npm install scripts may run when a tree is built (still in the build capsid: no
   * network, only the cell's directory writable). False unless the donor says so
   * (`cell donate --allow-install-scripts`, see {@link allowingInstallScripts}).
   */
  readonly allowsScripts: boolean;
  /** True when trees by `authorKey` (peer-id form, `12D3KooW...`) may run here. */
  allows(authorKey: string): boolean;
  /** The policy in words, for `cell donate` to print. */
  describe(): string;
}

/** Reads a file as text; `fs.readFileSync` by default, injected by tests. */
export type ReadTextFile = (path: string, encoding: 'utf8') => string;

/** Keys `describe()` names before it only counts the rest (a trust file may list hundreds). */
const DESCRIBED_KEYS = 3;
const HELP = 'use any, a comma-separated list of author keys (12D3KooW...), or file:<path> with one key per line';

function invalid(message: string, details: Record<string, unknown>, cause?: unknown): CellError {
  return new CellError('CELL_E_INVALID_ARGUMENT', message, { details: { option: 'trust', ...details }, cause });
}

/** One peer id per key however it was written (surrounding space aside), so lookups compare like with like. */
function canonicalKey(text: string): string {
  return peerIdFromKey(keyFromPeerId(text));
}

function authorsPolicy(keys: Set<string>, source: string): TrustPolicy {
  return {
    kind: 'authors',
    allowsScripts: false,
    allows: (authorKey) => isPeerId(authorKey) && keys.has(canonicalKey(authorKey)),
    describe: () => {
      const shown = [...keys].slice(0, DESCRIBED_KEYS).join(', ');
      const more = keys.size > DESCRIBED_KEYS ? ` and ${keys.size - DESCRIBED_KEYS} more` : '';
      return `${keys.size} author${keys.size === 1 ? '' : 's'} ${source}: ${shown}${more}`;
    },
  };
}

/** The keys of a list, each checked; `where` says where an entry came from, for the error. */
function collectKeys(entries: { text: string; where: string }[], source: string): Set<string> {
  const keys = new Set<string>();
  for (const { text, where } of entries) {
    if (!isPeerId(text)) throw invalid(`--trust: "${text}"${where} is not an author key; ${HELP}`, { entry: text, source });
    keys.add(canonicalKey(text));
  }
  if (keys.size === 0) throw invalid(`--trust: ${source} lists no author key; ${HELP}`, { entry: null, source });
  return keys;
}

function fromFile(path: string, readFile: ReadTextFile): TrustPolicy {
  if (path === '') throw invalid(`--trust: file: needs a path; ${HELP}`, { entry: 'file:', source: 'file:' });
  let text: string;
  try {
    text = readFile(path, 'utf8');
  } catch (err) {
    throw invalid(`--trust: cannot read ${path}: ${(err as Error).message}`, { entry: `file:${path}`, source: path }, err);
  }
  const entries = text.split(/\r?\n/).flatMap((line, i) => {
    // Peer ids never contain '#', so everything after one is a comment.
    const key = line.replace(/#.*/, '').trim();
    return key === '' ? [] : [{ text: key, where: ` (line ${i + 1} of ${path})` }];
  });
  return authorsPolicy(collectKeys(entries, path), `listed in ${path}`);
}

/**
 * Parses `--trust`: `any` (every author whose record and manifest signature verify), a
 * comma-separated list of author keys, or `file:<path>` with one key per line (`#` starts a
 * comment; blank lines are ignored). Blank entries of a list (a trailing comma) are ignored.
 * Throws CELL_E_INVALID_ARGUMENT naming the bad entry (`details.entry`) for a key that is not
 * one, an unreadable file, or a list with no key at all.
 */
export function parseTrustPolicy(spec: string, readFile: ReadTextFile = readFileSync): TrustPolicy {
  const trimmed = spec.trim();
  if (trimmed === 'any') {
    return { kind: 'any', allowsScripts: false, allows: (authorKey) => isPeerId(authorKey), describe: () => 'any identified author' };
  }
  if (trimmed.startsWith('file:')) return fromFile(trimmed.slice('file:'.length).trim(), readFile);
  const entries = trimmed
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => ({ text: entry, where: '' }));
  return authorsPolicy(collectKeys(entries, 'the list'), 'listed');
}

/** The same policy, letting the trees it allows run their packages' install scripts while they build. */
export function allowingInstallScripts(policy: TrustPolicy): TrustPolicy {
  return { ...policy, allowsScripts: true, describe: () => `${policy.describe()}, install scripts allowed` };
}

/** Throws CELL_E_UNTRUSTED_AUTHOR (`details.author`) unless `policy` allows `authorKey`. */
export function assertTrusted(policy: TrustPolicy, authorKey: string): void {
  if (!policy.allows(authorKey)) {
    throw new CellError('CELL_E_UNTRUSTED_AUTHOR', `trees by ${authorKey} do not run here: this donor trusts ${policy.describe()}`, {
      details: { author: authorKey },
    });
  }
}
