// Why a process ended, in one line, from the last lines it wrote. Node ends an uncaught
// exception with a stack, the error's own properties and its version ("Node.js v24.21.0"): the
// last line says nothing; the message line above the stack does.

/** `Error: ...`, `TypeError [ERR_X]: ...`, `Uncaught SyntaxError: ...`, `FATAL ERROR: ...`, a Python `ValueError: ...`, a Go `panic: ...`. */
const ERROR_LINE = /^\s*(?:Uncaught\s+)?(?:(?:[A-Za-z_$][\w$.]*)?(?:Error|Exception)(?:\s*\[[\w-]+\])?|FATAL ERROR|panic):/;
/** An error's `code` property as Node prints it: `  code: 'EADDRINUSE',`. */
const CODE_LINE = /^\s*code:\s*'([A-Z][\w]*)'/;
/** Lines that never say why: stack frames, carets, braces, node's version footer, blank lines. */
const NOISE = /^\s*(?:at\s.+|\^+|[{}[\]],?|\[cause\]:.*|Node\.js v\d+\.\d+\.\d+|Emitted '.+' event .*|Thrown at:|\.\.\. \d+ lines? matching cause stack trace \.\.\.|)\s*$/;

/**
 * The line of a log tail that says why the process ended: the last error message (`Error:
 * listen EADDRINUSE 127.0.0.1:8080`), else the last error `code`, else the last line that is not
 * a stack frame or Node's version footer. Undefined when the tail says nothing.
 */
export function exitCause(tail: readonly string[]): string | undefined {
  const lines = tail.map((l) => l.trimEnd()).filter((l) => !NOISE.test(l));
  const error = lines.findLast((l) => ERROR_LINE.test(l));
  if (error) return error.trim();
  const code = tail.findLast((l) => CODE_LINE.test(l));
  if (code) return `code ${CODE_LINE.exec(code)![1]}`;
  return lines.at(-1)?.trim();
}
