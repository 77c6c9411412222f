import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where a user's Cell state lives (node identity, author key, content store): `CELL_HOME`, else `~/.cell`. */
export function cellHome(): string {
  return process.env['CELL_HOME'] ?? join(homedir(), '.cell');
}
