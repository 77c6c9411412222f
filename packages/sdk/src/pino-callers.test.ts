import util from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { callerFileNames } from './pino-callers.ts';

/** The script names a call-site function reports from here, as pino reads them (from its caller's caller on). */
function namesFrom(getCallSites: () => Array<{ scriptName: string }>): string[] {
  return getCallSites().map((site) => site.scriptName);
}

describe('callerFileNames', () => {
  it('names the same scripts as util.getCallSites for the same frames', () => {
    const ours = namesFrom(callerFileNames);
    const node = namesFrom(util.getCallSites);
    expect(ours.length).toBeGreaterThan(2);
    expect(ours.slice(0, 3)).toEqual(node.slice(0, 3));
    expect(ours[0]).toContain('pino-callers.test');
  });

  it('reads the stack whatever limit the program set, and leaves the limit and hook as they were', () => {
    const limit = Error.stackTraceLimit;
    const hook = Error.prepareStackTrace;
    Error.stackTraceLimit = 0;
    try {
      expect(namesFrom(callerFileNames).length).toBeGreaterThan(2);
      expect(Error.stackTraceLimit).toBe(0);
      expect(Error.prepareStackTrace).toBe(hook);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
});

describe('the logger module', () => {
  it('gives util its own getCallSites back once pino has loaded, and its loggers still log', () => {
    expect(util.getCallSites).not.toBe(callerFileNames);
    const lines: string[] = [];
    const log = createLogger({ cell: 'probe', destination: { write: (line: string) => void lines.push(line) } });
    log.info('hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', cell: 'probe', msg: 'hello' });
  });
});
