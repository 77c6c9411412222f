import { describe, expect, it } from 'vitest';
import { validateToml } from '../test-fixtures/temp-files.ts';
import { MIN_MEMORY_MAX_BYTES } from './resources-schema.ts';

const CELL = '[cell]\nname = "a"\nversion = "1.0.0"\n[resources]\n';
const resources = (toml: string) => validateToml(CELL + toml).config?.resources;
const problemsOf = (toml: string) => Object.fromEntries(validateToml(CELL + toml).problems.map((p) => [p.key, p.message]));

describe('[resources]', () => {
  it('reads maxima and ranges in cores and bytes; absent means no limit', () => {
    expect(resources('cpu = "500m"\nmemory = { min = "64MB", max = "1GiB" }\nstorage = "10GB"\ngpu = { max = 1 }\n')).toEqual({
      cpu: { min: undefined, max: 0.5 },
      memory: { min: 64_000_000, max: 1024 ** 3 },
      storage: { min: undefined, max: 10e9 },
      gpu: { min: undefined, max: 1 },
      logs: { min: undefined, max: 48_000_000 },
    });
    const none = { min: undefined, max: undefined };
    expect(resources('')).toEqual({ cpu: none, memory: none, storage: none, gpu: none, logs: { min: undefined, max: 48_000_000 } });
  });

  it('bounds the log files of a replica (logs, at least 3 MiB, a unit required)', () => {
    expect(resources('logs = "9MB"\n')?.logs).toEqual({ min: undefined, max: 9_000_000 });
    expect(Object.keys(problemsOf('logs = "1MB"\n'))).toEqual(['resources.logs']);
    expect(Object.keys(problemsOf('logs = 1000000\n'))).toEqual(['resources.logs']);
  });

  it('needs a unit on every size', () => {
    expect(problemsOf('memory = { max = 256 }\nstorage = 1000\n')).toEqual({
      'resources.memory.max': 'a size needs a unit, e.g. "256MB"; got the bare number 256',
      'resources.storage': 'a size needs a unit, e.g. "1000MB"; got the bare number 1000',
    });
  });

  it(`refuses a memory maximum below ${MIN_MEMORY_MAX_BYTES / 1024 ** 2}MiB, but not a memory minimum`, () => {
    expect(MIN_MEMORY_MAX_BYTES).toBe(32 * 1024 ** 2);
    expect(problemsOf('memory = "0B"')['resources.memory']).toBe(
      'a memory maximum must be at least 32MiB (an idle cell alone uses about 21MiB); got "0B"',
    );
    expect(problemsOf('memory = { max = "1B" }')['resources.memory.max']).toContain('at least 32MiB');
    expect(resources('memory = { min = "1B", max = "32MiB" }')?.memory).toEqual({ min: 1, max: MIN_MEMORY_MAX_BYTES });
    expect(resources('storage = "1B"')?.storage.max).toBe(1);
  });

  it('refuses a minimum above the maximum, unknown keys, and GPUs that are not whole', () => {
    expect(problemsOf('cpu = { min = 2, max = 1 }\nmemory = { mx = "1GB" }\ngpu = 0.5\n')).toEqual({
      'resources.cpu': 'min is above max',
      'resources.memory.mx': 'unknown key (did you mean "max"?); expected one of: min, max',
      'resources.gpu': 'expected a whole number of GPUs, got number 0.5',
    });
  });
});
