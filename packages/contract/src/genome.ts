import { sha256 as sha256Hash } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Contract, MethodKind } from './contract.ts';

/** A JSON Schema document as it appears in a genome. */
export type JsonSchema = Record<string, unknown>;

export interface GenomeMethod {
  kind: MethodKind;
  description?: string;
  /** For stream kinds: the schema of each input item. */
  input: JsonSchema;
  /** For stream kinds: the schema of each output item. Absent for `notify`. */
  output?: JsonSchema;
  /** Declared errors: name -> schema of `details`. */
  errors: Record<string, JsonSchema>;
  /** Fingerprint of this method's shape alone. */
  fingerprint: string;
}

/** A cell's machine-readable contract. Written to `.cell/genome.json` and served live. */
export interface Genome {
  genome: 1;
  name: string;
  version: string;
  description?: string;
  /** `sha256:<hex>` of the canonical shape: name, methods and events, annotations stripped. */
  fingerprint: string;
  methods: Record<string, GenomeMethod>;
  events: Record<string, { payload: JsonSchema }>;
}

/** Keys that document a schema without changing what it accepts. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', '$comment']);

function sortDeep(value: unknown, shapeOnly: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => sortDeep(v, shapeOnly));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || (shapeOnly && ANNOTATIONS.has(key))) continue;
      // `required` is a set: its order never changes what a schema accepts.
      out[key] = shapeOnly && key === 'required' && Array.isArray(v) ? [...(v as string[])].sort() : sortDeep(v, shapeOnly);
    }
    return out;
  }
  return value;
}

/** JSON with object keys sorted at every level and `undefined` dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value, false));
}

/** The part of a schema that decides which values it accepts, in canonical form. */
export function schemaShape(schema: unknown): unknown {
  return sortDeep(schema, true);
}

// SHA-256 in JavaScript (@noble/hashes): node:crypto would cost every cell ~2 MiB and a few
// milliseconds of its start to hash its genome's few kilobytes once.
function sha256(text: string): string {
  return `sha256:${bytesToHex(sha256Hash(utf8ToBytes(text)))}`;
}

/** Plain JSON copy of a TypeBox schema (TypeBox keeps its own markers non-enumerable). */
function toJson(schema: unknown): JsonSchema {
  return JSON.parse(JSON.stringify(schema ?? {})) as JsonSchema;
}

/** Fingerprint of one method of a genome (descriptions excluded). */
export function methodFingerprint(m: Omit<GenomeMethod, 'fingerprint' | 'description'>): string {
  return sha256(
    canonicalJson({
      kind: m.kind,
      input: schemaShape(m.input),
      output: m.output === undefined ? undefined : schemaShape(m.output),
      errors: schemaShape(m.errors),
    }),
  );
}

/** Fingerprint of a whole genome: same shape, same fingerprint; any change in shape, another. */
export function genomeFingerprint(g: Pick<Genome, 'name' | 'methods' | 'events'>): string {
  const methods: Record<string, string> = {};
  for (const [name, m] of Object.entries(g.methods)) methods[name] = methodFingerprint(m);
  return fingerprintOf(g.name, methods, g.events);
}

/** The genome's fingerprint from its methods' fingerprints, already computed from their shapes. */
function fingerprintOf(name: string, methods: Record<string, string>, events: Genome['events']): string {
  return sha256(canonicalJson({ name, methods, events: schemaShape(events) }));
}

const cache = new WeakMap<Contract, Genome>();

/** The genome of a contract (computed once per contract object). */
export function toGenome(contract: Contract): Genome {
  const cached = cache.get(contract);
  if (cached) return cached;
  const methods: Record<string, GenomeMethod> = {};
  const fingerprints: Record<string, string> = {};
  for (const name of Object.keys(contract.methods).sort()) {
    const def = contract.methods[name]!;
    const errors: Record<string, JsonSchema> = {};
    for (const code of Object.keys(def.errors).sort()) errors[code] = toJson(def.errors[code]);
    const shape = {
      kind: def.kind,
      input: toJson(def.input),
      output: def.kind === 'notify' ? undefined : toJson(def.output),
      errors,
    };
    const entry: GenomeMethod = { ...shape, fingerprint: (fingerprints[name] = methodFingerprint(shape)) } as GenomeMethod;
    if (shape.output === undefined) delete entry.output;
    if (def.description) entry.description = def.description;
    methods[name] = entry;
  }
  const events: Record<string, { payload: JsonSchema }> = {};
  for (const name of Object.keys(contract.events).sort()) events[name] = { payload: toJson(contract.events[name]) };
  const genome: Genome = {
    genome: 1,
    name: contract.name,
    version: contract.version,
    ...(contract.description ? { description: contract.description } : {}),
    // Each method's shape is hashed once (genomeFingerprint, for a genome read from elsewhere, hashes them again).
    fingerprint: fingerprintOf(contract.name, fingerprints, events),
    methods,
    events,
  };
  cache.set(contract, Object.freeze(genome));
  return genome;
}
