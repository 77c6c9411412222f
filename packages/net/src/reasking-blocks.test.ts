import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '@cell/wire';
import { type Blocks, reaskingBlocks } from './reasking-blocks.ts';

const REASK_MS = 15_000;
const cidOf = async (text: string) => CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(text)));
const x = await cidOf('x');
const y = await cidOf('y');

/** Time that moves only when the test says so; due timers fire then. */
function manualClock(): Clock & { advance(ms: number): void; armed(): number } {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    monotonic: () => now,
    setTimer(fn, ms): TimerHandle {
      timers.set(next, { at: now + ms, fn });
      return next++;
    },
    clearTimer: (handle) => void timers.delete(handle as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    armed: () => timers.size,
  };
}

/**
 * A network whose asks wait (as a bitswap want does) until the test answers them, or their signal
 * ends them; `failWith` makes every ask fail at once instead.
 */
function network(failWith?: Error) {
  const held = new Set<string>();
  const asks: string[] = [];
  const waiting = new Map<string, () => void>();
  const blocks: Blocks = {
    has: (cid) => held.has(cid.toString()),
    put: (cid) => cid,
    async *get(cid, opts = {}) {
      const key = cid.toString();
      if (held.has(key)) {
        yield new TextEncoder().encode(`held ${key}`);
        return;
      }
      asks.push(key);
      if (failWith) throw failWith;
      await new Promise<void>((resolve, reject) => {
        waiting.set(key, resolve);
        opts.signal?.addEventListener('abort', () => reject(new Error('Failed to load block')), { once: true });
      });
      yield new TextEncoder().encode('part one, ');
      yield new TextEncoder().encode('part two');
    },
  };
  return {
    blocks,
    asks,
    answer: (cid: CID) => waiting.get(cid.toString())?.(),
    hold: (cid: CID) => held.add(cid.toString()),
  };
}

async function read(blocks: Blocks, cid: CID, signal?: AbortSignal): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of blocks.get(cid, { signal })) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

describe('reaskingBlocks', () => {
  it('asks again for a block nobody answered, and hands on the whole block once', async () => {
    const net = network();
    const clock = manualClock();
    const reasked: number[] = [];
    const reading = read(reaskingBlocks(net.blocks, { clock, onReask: (_, n) => reasked.push(n) }), x);
    for (let ask = 1; ask <= 2; ask++) {
      await expect.poll(() => net.asks.length).toBe(ask);
      clock.advance(REASK_MS - 1);
      expect(reasked).toHaveLength(ask - 1); // not yet
      clock.advance(1);
    }
    await expect.poll(() => net.asks.length).toBe(3);
    net.answer(x);
    expect(await reading).toBe('part one, part two');
    expect(reasked).toEqual([1, 2]);
    expect(clock.armed()).toBe(0);
  });

  it('does not ask again while other blocks keep arriving: a slow link is not a silent one', async () => {
    const net = network();
    const clock = manualClock();
    const blocks = reaskingBlocks(net.blocks, { clock });
    const readingX = read(blocks, x);
    const readingY = read(blocks, y);
    await expect.poll(() => net.asks.length).toBe(2);
    clock.advance(10_000);
    net.answer(y); // a block arrives 10 s into x's wait
    expect(await readingY).toBe('part one, part two');
    clock.advance(REASK_MS - 10_000); // 15 s after x was asked for: 5 s of silence
    expect(net.asks).toEqual([x.toString(), y.toString()]);
    clock.advance(10_000); // 15 s of silence since y arrived
    await expect.poll(() => net.asks.length).toBe(3);
    expect(net.asks[2]).toBe(x.toString());
    net.answer(x);
    expect(await readingX).toBe('part one, part two');
  });

  it("stops asking when the caller's own signal ends, with the error the ask ended on", async () => {
    const net = network();
    const clock = manualClock();
    const caller = new AbortController();
    const reading = read(reaskingBlocks(net.blocks, { clock }), x, caller.signal);
    await expect.poll(() => net.asks.length).toBe(1);
    caller.abort();
    await expect(reading).rejects.toThrow('Failed to load block');
    clock.advance(REASK_MS * 3);
    expect(net.asks).toHaveLength(1);
    expect(clock.armed()).toBe(0);
  });

  it('does not ask again after a failure other than silence', async () => {
    const net = network(new Error('hash of the block does not match'));
    await expect(read(reaskingBlocks(net.blocks, { clock: manualClock() }), x)).rejects.toThrow('does not match');
    expect(net.asks).toHaveLength(1);
  });

  it('reads a block held here without asking anyone, and without a watch', async () => {
    const net = network();
    const clock = manualClock();
    net.hold(x);
    expect(await read(reaskingBlocks(net.blocks, { clock }), x)).toBe(`held ${x.toString()}`);
    expect(net.asks).toHaveLength(0);
    expect(clock.armed()).toBe(0);
  });
});
