import { describe, expect, it } from 'vitest';
import { runCompiler, shippedCompiler } from './typecheck-compiler.ts';

describe('shippedCompiler', () => {
  it('is the native TypeScript 7 this runtime depends on', () => {
    const compiler = shippedCompiler();
    expect(compiler.version).toMatch(/^7\./);
    expect(shippedCompiler()).toBe(compiler);
  });
});

describe('runCompiler', () => {
  it("runs tsc and gives back what it printed and its exit code", async () => {
    const compiler = shippedCompiler();
    const r = await runCompiler(compiler, ['--version'], { cwd: process.cwd(), timeoutMs: 60_000 });
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r.output).toContain(`Version ${compiler.version}`);
  });

  it('kills a run that takes too long', async () => {
    // `sleep` stands in for a compiler that hangs: the time limit, not the binary, is under test.
    const r = await runCompiler({ version: 'test', exe: 'sleep' }, ['30'], { cwd: process.cwd(), timeoutMs: 50 });
    expect(r).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('fails with CELL_E_TYPECHECK_UNAVAILABLE when the binary cannot run', async () => {
    await expect(runCompiler({ version: 'test', exe: '/nonexistent/tsc' }, [], { cwd: process.cwd(), timeoutMs: 1000 })).rejects.toMatchObject({ code: 'CELL_E_TYPECHECK_UNAVAILABLE' });
  });
});
