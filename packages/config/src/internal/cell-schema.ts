import Type from 'typebox';
import type { CellConfig } from '../cell-config.ts';
import type { BuildContext } from './build-context.ts';
import { defaultContract, SOURCE_EXTENSIONS, sourceFile } from './cell-paths.ts';
import { EnvFileKey } from './env-schema.ts';
import { PortsKey, RunKey, UserKey } from './process-schema.ts';
import { table, wholeNumber } from './schema-kit.ts';

/** Cell and dependency names: kebab-case, starting with a letter, at most 63 characters. */
export const KEBAB_NAME = '^[a-z][a-z0-9-]{0,62}$';
const SEMVER = '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$';
const EXTENSIONS = SOURCE_EXTENSIONS.join(', ');

function sourcePath(key: 'entry' | 'contract') {
  return Type.Refine(
    Type.String({ expected: `a path to a ${EXTENSIONS} file` }),
    (v) => SOURCE_EXTENSIONS.some((e) => v.endsWith(e)),
    (v) => `${key} "${v}" must be a ${EXTENSIONS} file${key === 'entry' ? ' (to run any other executable, use run = ["./program", "arg"])' : ''}`,
  );
}

/** `[cell]`: who the cell is and what it runs. */
export const CellTable = table(
  {
    name: Type.String({ pattern: KEBAB_NAME, expected: 'a kebab-case name (a-z, 0-9, -; starting with a letter; at most 63 characters)' }),
    version: Type.String({ pattern: SEMVER, expected: 'a semver version like "1.0.0"' }),
    entry: Type.Optional(sourcePath('entry')),
    run: Type.Optional(RunKey),
    ports: Type.Optional(PortsKey),
    user: Type.Optional(UserKey),
    url: Type.Optional(Type.String({ minLength: 1, expected: 'a URL template dependents get, like "postgres://${HOST}:${PORT}/app"' })),
    env_file: Type.Optional(EnvFileKey),
    contract: Type.Optional(sourcePath('contract')),
    description: Type.Optional(Type.String({ expected: 'a string' })),
    replicas: wholeNumber(1, 1000, { default: 1 }),
    max_connections: wholeNumber(1, 1_000_000, { default: 4096 }),
  },
  { missing: 'missing [cell] table (it needs at least name and version)' },
);

/** `[cell]` with absolute paths; files that do not exist are reported even when other keys are wrong. */
export function buildCell(ctx: BuildContext): CellConfig['cell'] | undefined {
  const entry = sourceFile(ctx, ['cell', 'entry']);
  const contract = sourceFile(ctx, ['cell', 'contract']);
  const t = ctx.decoded(['cell'], CellTable);
  if (!t) return undefined;
  return {
    name: t.name,
    version: t.version,
    description: t.description,
    entry,
    contract: t.contract === undefined ? defaultContract(ctx.dir) : contract,
    replicas: t.replicas,
    maxConnections: t.max_connections,
  };
}
