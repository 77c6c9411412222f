import type { TSchema } from 'typebox';
import { CellError } from '@cell/protocol';

/** Declared errors of a method: error name -> schema of its `details`. */
export type ErrorSchemas = Record<string, TSchema>;

/**
 * How a method exchanges data:
 * - `unary`: one input, one output.
 * - `serverStream`: one input, a stream of outputs.
 * - `clientStream`: a stream of inputs, one output.
 * - `duplex`: streams both ways at once.
 * - `notify`: one input, no reply (fire-and-forget event to the cell).
 */
export type MethodKind = 'unary' | 'serverStream' | 'clientStream' | 'duplex' | 'notify';

/** One method of a contract. For stream kinds, `input`/`output` describe each item. */
export interface MethodDef<
  K extends MethodKind = MethodKind,
  I extends TSchema = TSchema,
  O extends TSchema = TSchema,
  E extends ErrorSchemas = ErrorSchemas,
> {
  readonly kind: K;
  readonly input: I;
  readonly output: O;
  readonly errors: E;
  readonly description?: string | undefined;
}

/** A cell's contract: the TypeScript source of its genome. */
export interface Contract<
  M extends Record<string, MethodDef> = Record<string, MethodDef>,
  Ev extends Record<string, TSchema> = Record<string, TSchema>,
> {
  readonly name: string;
  readonly version: string;
  readonly description?: string | undefined;
  readonly methods: M;
  /** Events the cell may push to its callers. */
  readonly events: Ev;
}

interface MethodSpec<I extends TSchema, O extends TSchema, E extends ErrorSchemas> {
  input: I;
  output: O;
  errors?: E;
  description?: string;
}

// `{}` as the default error map means "declares no errors" and keeps the error union precise.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type NoErrors = {};

function method<K extends MethodKind, I extends TSchema, O extends TSchema, E extends ErrorSchemas>(
  kind: K,
  spec: MethodSpec<I, O, E>,
): MethodDef<K, I, O, E> {
  return Object.freeze({
    kind,
    input: spec.input,
    output: spec.output,
    errors: Object.freeze({ ...(spec.errors ?? {}) }) as E,
    description: spec.description,
  });
}

/** A request/response method. */
export function unary<I extends TSchema, O extends TSchema, E extends ErrorSchemas = NoErrors>(
  spec: MethodSpec<I, O, E>,
): MethodDef<'unary', I, O, NoInfer<E>> {
  return method('unary', spec);
}

/** One input, a stream of outputs (`output` is the schema of each item). */
export function serverStream<I extends TSchema, O extends TSchema, E extends ErrorSchemas = NoErrors>(
  spec: MethodSpec<I, O, E>,
): MethodDef<'serverStream', I, O, NoInfer<E>> {
  return method('serverStream', spec);
}

/** A stream of inputs (`input` is the schema of each item), one output. */
export function clientStream<I extends TSchema, O extends TSchema, E extends ErrorSchemas = NoErrors>(
  spec: MethodSpec<I, O, E>,
): MethodDef<'clientStream', I, O, NoInfer<E>> {
  return method('clientStream', spec);
}

/** Streams in both directions on one call. */
export function duplex<I extends TSchema, O extends TSchema, E extends ErrorSchemas = NoErrors>(
  spec: MethodSpec<I, O, E>,
): MethodDef<'duplex', I, O, NoInfer<E>> {
  return method('duplex', spec);
}

/** A fire-and-forget event sent to the cell; no reply, no declared errors. */
export function notify<I extends TSchema>(spec: { input: I; description?: string }): MethodDef<'notify', I, TSchema, NoErrors> {
  return method('notify', { input: spec.input, output: {} as TSchema, description: spec.description });
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const MEMBER = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/**
 * Declares a cell's contract. Validates names at once so a typo fails at start-up, not in
 * production: cell names are kebab-case, methods/events/errors are identifiers, versions semver.
 */
export function defineContract<
  M extends Record<string, MethodDef>,
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  Ev extends Record<string, TSchema> = {},
>(spec: { name: string; version: string; description?: string; methods: M; events?: Ev }): Contract<M, Ev> {
  const problems: string[] = [];
  if (!NAME.test(spec.name)) problems.push(`name ${JSON.stringify(spec.name)} must be kebab-case (a-z, 0-9, -), 1-63 chars`);
  if (!SEMVER.test(spec.version)) problems.push(`version ${JSON.stringify(spec.version)} must be semver (e.g. 1.2.0)`);
  const events = spec.events ?? ({} as Ev);
  for (const [name, def] of Object.entries(spec.methods)) {
    if (!MEMBER.test(name)) problems.push(`method ${JSON.stringify(name)} must be an identifier`);
    for (const code of Object.keys(def.errors)) {
      if (!MEMBER.test(code) || code.startsWith('CELL_E_')) {
        problems.push(`error ${JSON.stringify(code)} of method ${name} must be an identifier not starting with CELL_E_`);
      }
    }
    if (def.kind === 'notify' && Object.keys(def.errors).length > 0) problems.push(`notify method ${name} cannot declare errors`);
  }
  for (const name of Object.keys(events)) {
    if (!MEMBER.test(name)) problems.push(`event ${JSON.stringify(name)} must be an identifier`);
  }
  if (problems.length > 0) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `invalid contract: ${problems.join('; ')}`, { details: { problems } });
  }
  return Object.freeze({
    name: spec.name,
    version: spec.version,
    description: spec.description,
    methods: Object.freeze({ ...spec.methods }),
    events: Object.freeze({ ...events }),
  });
}
