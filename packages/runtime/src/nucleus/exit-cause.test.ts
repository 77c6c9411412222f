import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { exitCause } from './exit-cause.ts';

/** What Node prints on stderr when a process dies of `err` thrown by `script`. */
function crashOutput(script: string): string[] {
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  return r.stderr.split('\n');
}

describe('exitCause', () => {
  it('is the error message of a real crash, not the "Node.js v24" footer: a port already in use', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = squatter.address() as AddressInfo;
      const tail = crashOutput(`require('node:net').createServer().listen(${port}, '127.0.0.1')`);
      expect(tail.filter(Boolean).at(-1)).toMatch(/^Node\.js v/);
      expect(exitCause(tail)).toBe(`Error: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    } finally {
      squatter.close();
    }
  });

  it('picks the last message of an uncaught throw, an unhandled rejection and a cause chain', () => {
    expect(exitCause(crashOutput("throw new TypeError('x is not a function')"))).toBe('TypeError: x is not a function');
    expect(exitCause(crashOutput("Promise.reject(new Error('boom at start'))"))).toBe('Error: boom at start');
    expect(exitCause(crashOutput("throw new Error('outer', { cause: new Error('inner') })"))).toBe('Error: outer');
  });

  it('keeps the last error message when only the tail of a long stack is known', () => {
    const tail = ['Error: bind EADDRINUSE 127.0.0.1:8080', ...Array.from({ length: 8 }, (_, i) => `    at frame${i} (node:net:${i}:1)`), '  errno: -98,', "  code: 'EADDRINUSE',", '}', '', 'Node.js v24.21.0'];
    expect(exitCause(tail)).toBe('Error: bind EADDRINUSE 127.0.0.1:8080');
    expect(exitCause(['Error [ERR_MODULE_NOT_FOUND]: Cannot find package', 'Node.js v24.21.0'])).toBe('Error [ERR_MODULE_NOT_FOUND]: Cannot find package');
    expect(exitCause(['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'])).toMatch(/^FATAL ERROR: Reached heap limit/);
  });

  it('falls back to the error code when the message scrolled out, then to the last line that is not noise', () => {
    expect(exitCause(['    at emit (node:events:1:1)', "  code: 'EADDRINUSE',", "  syscall: 'bind',", '}', 'Node.js v24.21.0'])).toBe('code EADDRINUSE');
    expect(exitCause(['replica starting', 'database is locked', 'Node.js v24.21.0'])).toBe('database is locked');
    expect(exitCause(['Node.js v24.21.0', '   ', '}'])).toBeUndefined();
    expect(exitCause([])).toBeUndefined();
  });
});
