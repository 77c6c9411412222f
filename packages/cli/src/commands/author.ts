import { cellHome } from '@cell/host';
import type { AuthorRecord } from '@cell/publish';

/** What `cell author` prints: the signed record, and where its key is kept. */
export interface AuthorView {
  record: AuthorRecord;
  file: string;
}

/**
 * `cell author init`: an Ed25519 author key in `CELL_HOME` (mode 0600; not the node key) and its
 * signed record (name, contact, key, time). Refuses to replace an existing author without `force`.
 */
export async function authorInitCommand(opts: { name: string; contact: string; force?: boolean }): Promise<AuthorView> {
  const { createAuthor } = await import('@cell/publish');
  const author = await createAuthor({ home: cellHome(), name: opts.name, contact: opts.contact, force: opts.force });
  return { record: author.record, file: author.file };
}

/** `cell author show`: the author of this machine's publications (CELL_E_AUTHOR_MISSING when none). */
export async function authorShowCommand(): Promise<AuthorView> {
  const { loadAuthor } = await import('@cell/publish');
  const author = loadAuthor(cellHome());
  return { record: author.record, file: author.file };
}

/** The record for people. */
export function formatAuthor(v: AuthorView): string {
  return [`author  ${v.record.name} <${v.record.contact}>`, `key     ${v.record.key}`, `created ${v.record.created}`, `file    ${v.file}`].join('\n');
}
