import type { Helia } from 'helia';
import type { CID } from 'multiformats/cid';
import { type Clock, systemClock, type TimerHandle } from '@cell/wire';

/** What UnixFS and the content store read and write blocks through. */
export type Blocks = Pick<Helia['blockstore'], 'get' | 'put' | 'has'>;

/** How long the network may stay silent while a block is asked for before it is asked for again. */
export const REASK_AFTER_MS = 15_000;

export interface ReaskOptions {
  /** Default REASK_AFTER_MS. */
  reaskAfterMs?: number;
  clock?: Clock;
  /** Told each time a block is asked for again. */
  onReask?: (cid: CID, asks: number) => void;
}

/**
 * Blocks that ask the network again for a block nobody answered. A bitswap want gets no reply of
 * its own, and js bitswap never sends one again once it counts it as sent: a send that failed on
 * its stream, a block the holder's full send queue dropped, or a want for a block that had just
 * arrived (it joins the want being cancelled) leave the block unanswered until the caller gives
 * up. A block is asked for anew (js bitswap then sends a fresh want to every connected peer) once
 * no block at all has arrived for `reaskAfterMs` since it was asked for — a slow link that keeps
 * delivering other blocks is not silence, and asking again there would only send blocks twice —
 * until the caller's own signal ends it. A block held here is read as it is, without a watch.
 */
export function reaskingBlocks(blocks: Blocks, options: ReaskOptions = {}): Blocks {
  const reaskAfterMs = options.reaskAfterMs ?? REASK_AFTER_MS;
  const clock = options.clock ?? systemClock;
  /** When a block last arrived from the network (monotonic ms). */
  let lastArrival = -Infinity;

  /** Aborts `ask` once nothing arrived for `reaskAfterMs` since it began; returns the watch's end. */
  function watch(ask: AbortController): () => void {
    const askedAt = clock.monotonic();
    let timer: TimerHandle;
    const check = () => {
      const quiet = clock.monotonic() - Math.max(askedAt, lastArrival);
      if (quiet >= reaskAfterMs) ask.abort();
      else timer = clock.setTimer(check, reaskAfterMs - quiet);
    };
    timer = clock.setTimer(check, reaskAfterMs);
    return () => clock.clearTimer(timer);
  }

  return {
    has: (cid, opts) => blocks.has(cid, opts),
    put: (cid, bytes, opts) => blocks.put(cid, bytes, opts),
    async *get(cid, opts = {}) {
      for (let asks = 1; ; asks++) {
        if (await blocks.has(cid, { signal: opts.signal })) {
          yield* blocks.get(cid, opts);
          return;
        }
        const ask = new AbortController();
        const unwatch = watch(ask);
        const signal = opts.signal ? AbortSignal.any([opts.signal, ask.signal]) : ask.signal;
        // Kept until the block is whole: an ask cut short must not have handed on part of it.
        const chunks: Uint8Array[] = [];
        try {
          for await (const chunk of blocks.get(cid, { ...opts, signal })) chunks.push(chunk);
        } catch (err) {
          // The caller's own end, or a failure other than silence, is the caller's to see.
          if (opts.signal?.aborted || !ask.signal.aborted) throw err;
          options.onReask?.(cid, asks);
          continue;
        } finally {
          unwatch();
        }
        lastArrival = clock.monotonic();
        yield* chunks;
        return;
      }
    },
  };
}
