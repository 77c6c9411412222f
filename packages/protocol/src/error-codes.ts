/**
 * The one table of stable error codes. A code is never reused or renamed; add new ones at the end
 * of their area. `docs/errors.md` documents each code and a test keeps both in sync.
 */
export const ERROR_CODES = {
  // Calls between cells (what a caller switches on).
  CELL_E_UNAVAILABLE: 'The target cell cannot be reached, or the connection dropped while the call was in flight.',
  CELL_E_TIMEOUT: 'The call did not complete before its deadline.',
  CELL_E_CANCELLED: 'The caller aborted the call.',
  CELL_E_INVALID_INPUT: "The input does not match the method's input schema; `details.errors` lists every failing path.",
  CELL_E_UNKNOWN_METHOD: 'The target cell has no method or event with that name.',
  CELL_E_SCHEMA_MISMATCH: 'Caller and target were built against incompatible genomes.',
  CELL_E_INTERNAL: 'The handler failed with an error it did not declare, or returned output that breaks its own schema.',
  CELL_E_FRAME_TOO_LARGE: "A frame exceeds the receiver's size limit; it was refused without being read into memory.",
  CELL_E_OVERLOADED: 'The target has too many calls in flight on this connection, or holds its limit of connections.',
  CELL_E_DENIED: "The caller's identity is not allowed to call this cell.",
  CELL_E_CLOSED: 'The synapse or membrane was closed by its owner.',
  CELL_E_STREAM_ABORTED: 'The other side ended a stream with an error or abandoned it.',
  CELL_E_PROTOCOL: 'The peer broke the wire protocol (malformed frame, bad handshake, slow partial frame).',
  CELL_E_INVALID_ARGUMENT: 'An SDK function was called with options it cannot use.',
  CELL_E_CONFIG_NOT_FOUND: 'There is no cell.toml where one was expected.',
  CELL_E_BUILD_FAILED: 'The ribosome could not build a cell; `details.errors` lists each error with file and line.',
  CELL_E_TREE_RUNNING: 'A nucleus already runs this tree (one per tree); `details.pid` names it.',
  CELL_E_TREE_NOT_RUNNING: 'No nucleus runs this tree.',
  CELL_E_CONFIG_INVALID: 'A cell.toml is malformed or wrong; `details.problems` lists each problem with file, line and key.',
  CELL_E_CAPSID_UNAVAILABLE: 'This machine cannot run cells in a capsid (the sandbox of donated cells); `details.reasons` lists every missing piece.',
  CELL_E_TYPECHECK_FAILED: 'A cell does not type-check; `details.errors` lists each error as tsc prints it (file(line,column): error TSnnnn: message).',
  CELL_E_TYPECHECK_UNAVAILABLE: 'The TypeScript compiler cannot run on this machine (its platform package is not installed).',
  CELL_E_START_FAILED: "A process cell could not be started: its executable is missing or not executable, a port it needs is taken, a variable its configuration names is not set, or a secret file is readable by others; the message names the cell and the cause.",
  CELL_E_GIT_FAILED: "A git dependency could not be fetched, its ref names nothing, or its locked commit is gone; the message names the consumer, the dependency and what git said.",
  CELL_E_NOT_INSTALLED: 'An optional Cell package the command needs is not installed in this project; `details.package` names it and the message says how to add it.',
  // Publishing (authors, source bundles, manifests, content).
  CELL_E_AUTHOR_MISSING: 'No author key exists in CELL_HOME; publishing needs one.',
  CELL_E_AUTHOR_EXISTS: 'An author key already exists in CELL_HOME and would be replaced.',
  CELL_E_BUNDLE_FAILED: "A cell's source bundle could not be made; `details.cell` names the cell, the message the file or package.",
  CELL_E_MANIFEST_INVALID: 'A manifest or author record is malformed or does not verify; `details.reason` says which check failed.',
  CELL_E_CONTENT_UNAVAILABLE: 'Content (a block, bundle or manifest) could not be read here nor fetched from a peer in time.',
  // Donating (capacity, trust).
  CELL_E_CAPACITY: 'A placement asks for more than this donor offers or has left; `details.asked`, `details.free`, `details.offered`.',
  CELL_E_UNTRUSTED_AUTHOR: "The author of a published tree is not allowed by this donor's trust policy; `details.author`.",
  CELL_E_QUORUM_NOT_REACHED: 'A tree published with a build quorum was not built to the same bytes by enough donors in time; `details.quorum`, `details.agreeing` (the other donors that agreed).',
} as const;

/** Every stable error code. */
export type CellErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is one of the SDK's own stable codes (not a cell's declared error name). */
export function isCellErrorCode(code: unknown): code is CellErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
