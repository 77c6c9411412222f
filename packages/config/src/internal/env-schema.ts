import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import Type from 'typebox';
import type { BuildContext } from './build-context.ts';

// What a cell's processes find in their environment besides what the nucleus sets: `[env]`,
// `[cell] env_file` (dotenv syntax) and `[secrets]` (each read from a file only its owner can read).

const VARIABLE = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
const RESERVED = /^CELL_/;
const NAME_RULE = 'variable names are letters, digits and _, not starting with a digit';
/** An env file larger than this is not an env file. */
const MAX_ENV_FILE_BYTES = 1024 * 1024;

const names = { pattern: VARIABLE, message: () => NAME_RULE };
const reserved = (name: string) => `${name}: CELL_* variables are set by the nucleus`;

/** Drops (and reports) the variables of `table` the nucleus owns. */
function withoutReserved(ctx: BuildContext, key: string, table: Record<string, unknown>): void {
  for (const name of Object.keys(table)) {
    if (!RESERVED.test(name)) continue;
    ctx.add([key, name], reserved(name));
    delete table[name];
  }
}

/** `[env]`: variables for the cell's processes; values may name others as `${VAR}`. */
export const EnvTable = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()], { expected: 'a string, number or boolean' }), {
  default: {},
  expected: 'a table of variables like { LOG_FORMAT = "json" }',
  propertyNames: names,
});

/** `[secrets]`: variable name -> a file (relative to the cell) whose contents become the variable. */
export const SecretsTable = Type.Record(Type.String(), Type.String({ minLength: 1, expected: 'a path to a file, relative to the cell' }), {
  default: {},
  expected: 'a table of secret files like { DB_PASSWORD = "secrets/db-password" }',
  propertyNames: names,
});

/** `[cell] env_file`. */
export const EnvFileKey = Type.String({ minLength: 1, expected: 'a path to a dotenv file, like ".env"' });

/** Why a secret file may not be used (absent, not a file, readable by others), if it may not. */
export function secretFileProblem(file: string): string | undefined {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return `secret file ${file} does not exist`;
  if (!stat.isFile()) return `secret file ${file} is not a regular file`;
  if ((stat.mode & 0o077) !== 0) return `secret file ${file} has mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}: others may read it; chmod 600 it`;
  return undefined;
}

/** The cell's variables: `env_file` first, `[env]` over it (values as written: `${VAR}` is expanded at start). */
export function buildEnv(ctx: BuildContext): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  const fileKey = ['cell', 'env_file'];
  const fileName = ctx.decoded(fileKey, EnvFileKey);
  if (fileName !== undefined) {
    const file = resolve(ctx.dir, fileName);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) ctx.add(fileKey, `env file "${fileName}" does not exist (looked for ${file})`);
    else if (stat.size > MAX_ENV_FILE_BYTES) ctx.add(fileKey, `env file "${fileName}" is larger than 1 MiB`);
    else {
      for (const [k, v] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
        if (new RegExp(VARIABLE).test(k) && !RESERVED.test(k)) env[k] = v ?? '';
        else ctx.add(fileKey, `${fileName}: ${RESERVED.test(k) ? reserved(k) : `${k}: ${NAME_RULE}`}`);
      }
    }
  }
  const table = ctx.decoded(['env'], EnvTable);
  if (table === undefined) return undefined;
  withoutReserved(ctx, 'env', table);
  for (const [k, v] of Object.entries(table)) env[k] = String(v);
  return env;
}

/** `[secrets]`: variable name -> absolute file, each checked (exists, mode 0600 or stricter). */
export function buildSecrets(ctx: BuildContext): Record<string, string> | undefined {
  const table = ctx.decoded(['secrets'], SecretsTable);
  if (table === undefined) return undefined;
  withoutReserved(ctx, 'secrets', table);
  const secrets: Record<string, string> = {};
  for (const [name, path] of Object.entries(table)) {
    const file = resolve(ctx.dir, path);
    const problem = secretFileProblem(file);
    if (problem) ctx.add(['secrets', name], problem);
    else secrets[name] = file;
  }
  return secrets;
}
