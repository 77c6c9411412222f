import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { type Blocks, reaskingBlocks } from './reasking-blocks.ts';

const bytes = new TextEncoder().encode('a block');
const cid = CID.create(1, raw.code, await sha256.digest(bytes));

/**
 * A network that leaves the first `silentAsks` asks unanswered (each waits for its signal, as a
 * bitswap want does), then answers; `failWith` makes an ask fail at once instead.
 */
function network(silentAsks: number, failWith?: Error) {
  let held = false;
  const seen = { asks: 0, localReads: 0 };
  const blocks: Blocks = {
    has: () => held,
    put: (c) => {
      held = true;
      return c;
    },
    async *get(_cid, opts = {}) {
      if (held) {
        seen.localReads++;
        yield bytes;
        return;
      }
      seen.asks++;
      if (failWith) throw failWith;
      if (seen.asks <= silentAsks) {
        await new Promise((_, reject) => opts.signal?.addEventListener('abort', () => reject(new Error('Failed to load block')), { once: true }));
      }
      yield bytes.subarray(0, 3);
      yield bytes.subarray(3);
    },
  };
  return { blocks, seen, hold: () => (held = true) };
}

/** Ask signals the test ends itself, in the order they were made. */
function askSignals() {
  const made: AbortController[] = [];
  return {
    made,
    askSignal: () => {
      const c = new AbortController();
      made.push(c);
      return c.signal;
    },
  };
}

async function read(blocks: Blocks, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of blocks.get(cid, { signal })) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('reaskingBlocks', () => {
  it('asks again for a block nobody answered, and hands on the whole block once', async () => {
    const { blocks, seen } = network(2);
    const asks = askSignals();
    const reasked: number[] = [];
    const reading = read(reaskingBlocks(blocks, { askSignal: asks.askSignal, onReask: (_, n) => reasked.push(n) }));
    for (let i = 0; i < 2; i++) {
      await expect.poll(() => seen.asks).toBe(i + 1);
      asks.made[i]!.abort(); // that ask's time is up
    }
    expect(Buffer.from(await reading).toString()).toBe('a block');
    expect(seen.asks).toBe(3);
    expect(reasked).toEqual([1, 2]);
  });

  it("stops asking when the caller's own signal ends, with the error the ask ended on", async () => {
    const { blocks, seen } = network(Infinity);
    const asks = askSignals();
    const caller = new AbortController();
    const reading = read(reaskingBlocks(blocks, { askSignal: asks.askSignal }), caller.signal);
    await expect.poll(() => seen.asks).toBe(1);
    caller.abort();
    await expect(reading).rejects.toThrow('Failed to load block');
    expect(seen.asks).toBe(1);
  });

  it('does not ask again after a failure other than silence', async () => {
    const { blocks, seen } = network(0, new Error('hash of the block does not match'));
    await expect(read(reaskingBlocks(blocks, { askSignal: askSignals().askSignal }))).rejects.toThrow('does not match');
    expect(seen.asks).toBe(1);
  });

  it('reads a block held here without asking anyone, and without an ask deadline', async () => {
    const { blocks, seen, hold } = network(Infinity);
    hold();
    const asks = askSignals();
    expect(Buffer.from(await read(reaskingBlocks(blocks, { askSignal: asks.askSignal }))).toString()).toBe('a block');
    expect(seen).toEqual({ asks: 0, localReads: 1 });
    expect(asks.made).toHaveLength(0);
  });
});
