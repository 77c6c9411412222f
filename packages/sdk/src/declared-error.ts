import type { CellError } from '@cell/protocol';

/** A declared error as the caller sees it: `code` is the error's name, `details` its typed payload. */
export type DeclaredError<Code extends string, Details> = CellError<Code, Details> & { readonly declared: true };
