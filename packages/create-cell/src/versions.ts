import { readFileSync } from 'node:fs';
import type { Versions } from './project-templates.ts';

/** The TypeScript a new project type-checks with: the version Cell itself is built and tested with. */
export const TYPESCRIPT_VERSION = '5.9.3';
/** Node's type definitions, for the Node 24 LTS line Cell is developed on. */
export const TYPES_NODE_VERSION = '24.19.2';

/** The versions a project made by this package depends on: Cell's are this package's own. */
export function currentVersions(): Versions {
  // One level above both src/ and dist/.
  const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return { cell: own.version, typescript: TYPESCRIPT_VERSION, typesNode: TYPES_NODE_VERSION };
}
