export {
  defineContract,
  unary,
  serverStream,
  clientStream,
  duplex,
  notify,
  type Contract,
  type MethodDef,
  type MethodKind,
  type ErrorSchemas,
} from './contract.ts';
export {
  toGenome,
  canonicalJson,
  schemaShape,
  genomeFingerprint,
  methodFingerprint,
  type Genome,
  type GenomeMethod,
  type JsonSchema,
} from './genome.ts';
export { compareGenomes, formatChange, describeSchema, type CompatibilityReport, type GenomeChange } from './compatibility.ts';
export { Bytes, isBytesSchema, bytesLimits, type BytesOptions, type TBytes } from './bytes.ts';
export { compileValidator, lazyValidator, type Validator, type ValidationIssue } from './validator.ts';
export { unknownKeys } from './unknown-keys.ts';
