import { type CellErrorCode, isCellErrorCode } from './error-codes.ts';

/** Serialized form of an error as it travels in an ERROR frame. */
export interface WireError {
  code: string;
  message: string;
  details?: unknown;
  /** True when the code is one of the producer's declared error names. */
  declared?: boolean;
}

/**
 * The one error class of Cell. `code` is either a stable SDK code (`CELL_E_...`) or, when
 * `declared` is true, the name of an error the producing cell declared in its contract.
 * Check errors by `code`, never by `instanceof`: a package may be loaded twice.
 *
 * `new CellError('CELL_E_...', message)` accepts only codes of the table: a typo is a compile
 * error. A declared error names its own code type: `new CellError<'OutOfStock'>('OutOfStock', ...)`.
 */
export class CellError<Code extends string = CellErrorCode, Details = unknown> extends Error {
  readonly code: Code;
  readonly details: Details;
  readonly declared: boolean;

  constructor(code: NoInfer<Code>, message: string, options: { details?: Details; cause?: unknown; declared?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CellError';
    this.code = code;
    this.details = options.details as Details;
    this.declared = options.declared ?? false;
  }

  /** The JSON-friendly shape used on the wire and by `cell call`. */
  toJSON(): WireError {
    const out: WireError = { code: this.code, message: this.message };
    if (this.details !== undefined) out.details = this.details;
    if (this.declared) out.declared = true;
    return out;
  }
}

/** True for any CellError-shaped value, even from another copy of this package. */
export function isCellError(value: unknown): value is CellError<string> {
  return (
    value instanceof Error &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (value as { name?: unknown }).name === 'CellError'
  );
}

/**
 * Normalises anything thrown into a CellError, keeping the original as `cause`.
 * Unknown values become `fallback` (CELL_E_INTERNAL by default).
 */
export function toCellError(value: unknown, fallback: CellErrorCode = 'CELL_E_INTERNAL'): CellError<string> {
  if (isCellError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new CellError(fallback, message, { cause: value });
}

/** Rebuilds a CellError from its wire form; anything malformed becomes CELL_E_PROTOCOL. */
export function fromWireError(value: unknown): CellError<string> {
  if (typeof value !== 'object' || value === null) {
    return new CellError('CELL_E_PROTOCOL', 'peer sent a malformed error body');
  }
  const { code, message, details, declared } = value as Partial<WireError>;
  if (typeof code !== 'string' || code.length === 0 || code.length > 200) {
    return new CellError('CELL_E_PROTOCOL', 'peer sent an error without a valid code');
  }
  const isDeclared = declared === true && !isCellErrorCode(code);
  if (!isDeclared && !isCellErrorCode(code)) {
    return new CellError('CELL_E_PROTOCOL', `peer sent an unknown error code ${JSON.stringify(code)}`, {
      details: { code, message },
    });
  }
  return new CellError<string>(code, typeof message === 'string' ? message : code, { details, declared: isDeclared });
}
