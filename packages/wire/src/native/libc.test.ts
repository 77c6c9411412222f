import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { libc } from './libc.ts';

/** This process's private dirty memory, KiB. */
const privateDirtyKiB = () => Number(/^Private_Dirty:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))![1]);

describe('libc through koffi', () => {
  it('is reached on Linux with the runtime installed, through the native module beside koffi, once per process', () => {
    const found = libc();
    expect(typeof found).toBe('object');
    expect(found).toMatchObject({ via: 'native', getsockopt: expect.any(Function), mallocTrim: expect.any(Function) });
    expect(libc()).toBe(found);
  });

  it('says why when koffi cannot be loaded', () => {
    expect(libc('/nonexistent/koffi')).toMatch(/^koffi cannot be loaded from \/nonexistent\/koffi \(/);
  });

  it("malloc_trim gives back what malloc kept of freed memory (holes between live blocks)", async () => {
    const found = libc();
    if (typeof found === 'string') throw new Error(found);
    // 96 MiB of 32 KiB blocks (malloc's, below its mmap threshold), one in 16 kept alive: the
    // others leave holes malloc keeps when they are freed.
    const blocks: Buffer[] = [];
    const kept: Buffer[] = [];
    for (let i = 0; i < 3072; i++) {
      const b = Buffer.allocUnsafe(32 << 10).fill(i & 0xff);
      (i % 16 === 0 ? kept : blocks).push(b);
    }
    expect(blocks.length).toBe(2880);
    blocks.length = 0;
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (o?: object) => void;
    // V8 frees array buffers' memory after a collection, on a thread of its own: look until it did.
    let released = 0;
    for (let tries = 0; tries < 50 && released < 48 << 10; tries++) {
      gc({ type: 'major' });
      await new Promise((r) => setTimeout(r, 20));
      const before = privateDirtyKiB();
      found.mallocTrim!(0);
      released += before - privateDirtyKiB();
    }
    expect(released).toBeGreaterThan(48 << 10); // KiB: half of what was freed, at least
    expect(kept.every((b, i) => b[0] === ((i * 16) & 0xff))).toBe(true);
  });
});
