import util from 'node:util';

/**
 * pino asks Node for the file names of its callers at every `pino()` call (it needs them only to
 * resolve a transport's target) through `util.getCallSites()`, which also gives every frame its
 * line and column. For that V8 computes the line ends of each frame's script and keeps them for
 * the life of the process: for a bundled cell, its whole bundle, ~170 KB of every cell process's
 * memory (measured: an idle cell 0.2 MiB smaller without them). pino takes whichever function
 * `util` offers when it loads, so while it loads it is offered `callerFileNames`, which reads the
 * same names from V8's structured stack and needs no position; then `util` gets its own back.
 */
const nodeGetCallSites = util.getCallSites;

/** Call sites of the caller's callers with their script names only, as pino reads them. */
export function callerFileNames(): Array<{ scriptName: string }> {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, sites) => sites;
  Error.stackTraceLimit = 10; // util.getCallSites ignores the limit a program set
  const holder: { stack?: unknown } = {};
  try {
    Error.captureStackTrace(holder, callerFileNames);
    const sites = holder.stack;
    return Array.isArray(sites) ? sites.map((site: NodeJS.CallSite) => ({ scriptName: site.getScriptNameOrSourceURL() ?? site.getFileName() ?? '' })) : [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

(util as { getCallSites: unknown }).getCallSites = callerFileNames;

/** Gives `util` its own `getCallSites` back: called once pino has loaded. */
export function restoreCallSites(): void {
  util.getCallSites = nodeGetCallSites;
}
