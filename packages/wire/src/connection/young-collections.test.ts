import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { exposedGc, ReadPacer } from './young-collections.ts';

describe('ReadPacer', () => {
  it('collects once after every `everyBytes` read, counting across reads of any size', () => {
    const pacer = new ReadPacer();
    let collections = 0;
    pacer.read(10 << 20); // stopped: nothing counted, nothing collected
    pacer.start(1 << 20, () => collections++);
    for (let i = 0; i < 15; i++) pacer.read(100_000); // 1.5 MB: one collection
    expect(collections).toBe(1);
    pacer.read(700_000); // with the 400 KB read since the first collection: past a MiB again
    expect(collections).toBe(2);
    pacer.read(3 << 20); // one big read: one collection, not three
    expect(collections).toBe(3);
    pacer.stop();
    pacer.read(10 << 20);
    expect(collections).toBe(3);
    expect(pacer.active).toBe(false);
  });

  it('refuses to start without a positive number of bytes', () => {
    expect(() => new ReadPacer().start(0, () => undefined)).toThrow(RangeError);
  });

  it("collects with V8's young-generation collector through the exposed gc", async () => {
    const minor: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(e.startTime);
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      const asked = performance.now();
      exposedGc()({ type: 'minor' });
      for (const end = Date.now() + 5000; !minor.some((t) => t >= asked); ) {
        if (Date.now() > end) throw new Error('no young-generation collection reported within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(exposedGc()).toBe(exposedGc()); // made once
      expect((globalThis as { gc?: unknown }).gc).toBeUndefined(); // none in this context's global scope
    } finally {
      observer.disconnect();
    }
  });
});
