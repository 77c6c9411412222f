export { generateBindings, pascal, camel } from './generate-bindings.ts';
export { schemaToTs, objectToTs, docComment } from './schema-to-ts.ts';
export { readLock, writeLock, LOCK_FILE, type CellLock, type LockedDep, type LockedGit } from './lockfile.ts';
