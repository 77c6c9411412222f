import { describe, expect, it } from 'vitest';
import * as codegen from './index.ts';

describe('@cell/codegen public surface', () => {
  it('exports exactly binding generation, schema printing and the lock file', () => {
    expect(Object.keys(codegen).sort()).toEqual(['LOCK_FILE', 'camel', 'docComment', 'generateBindings', 'objectToTs', 'pascal', 'readLock', 'schemaToTs', 'writeLock'].sort());
  });
});
