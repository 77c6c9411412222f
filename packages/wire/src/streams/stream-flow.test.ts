import { describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { StreamCredit, StreamInbox } from './stream-flow.ts';

const FRAME = 1024;

function inbox(windowBytes = 100, maxWindowBytes?: number) {
  const grants: number[] = [];
  let abandoned = 0;
  const box = new StreamInbox<string>(
    windowBytes,
    (bytes) => grants.push(bytes),
    () => abandoned++,
    maxWindowBytes,
  );
  return { box, grants, abandoned: () => abandoned };
}

/** Lets promise jobs run (no timers involved). */
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('StreamInbox', () => {
  it('hands items over in order and ends', async () => {
    const { box } = inbox();
    box.push('a', 1, FRAME);
    box.push('b', 1, FRAME);
    box.end();
    const seen: string[] = [];
    for await (const item of box) seen.push(item);
    expect(seen).toEqual(['a', 'b']);
  });

  it('keeps order and grants every byte back through thousands of waiting items, taken and added in turns', async () => {
    const { box, grants } = inbox(1 << 20);
    const it = box[Symbol.asyncIterator]();
    const seen: string[] = [];
    let pushed = 0;
    for (const [add, take] of [[5000, 3000], [4000, 4500], [10, 1510]] as const) {
      for (let i = 0; i < add; i++) expect(box.push(`item${pushed++}`, 100, FRAME)).toBe(true);
      for (let i = 0; i < take; i++) seen.push((await it.next()).value as string);
    }
    expect(seen).toEqual(Array.from({ length: pushed }, (_, i) => `item${i}`));
    // Credit goes back as half the window (512 KiB) is taken: after 5,243 items of 100 bytes, once.
    expect(grants).toEqual([5243 * 100]);
  });

  it('returns credit only as the consumer takes items, once half the window is taken', async () => {
    const { box, grants } = inbox(100);
    for (let i = 0; i < 5; i++) expect(box.push(`item${i}`, 20, FRAME)).toBe(true);
    expect(grants).toEqual([]); // nothing taken yet: the sender stays held to its window
    const it = box[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    expect(grants).toEqual([]); // 40 bytes taken: under half the window
    await it.next();
    expect(grants).toEqual([60]);
    await it.next();
    await it.next();
    expect(grants).toEqual([60]); // 40 more: not yet half a window again
  });

  it('wakes a waiting reader with the next item, and counts it as taken', async () => {
    const { box, grants } = inbox(10);
    const it = box[Symbol.asyncIterator]();
    const next = it.next();
    box.push('late', 6, FRAME);
    expect(await next).toEqual({ value: 'late', done: false });
    expect(grants).toEqual([6]);
  });

  it('refuses an item beyond the window plus one frame (the sender overran its credit)', () => {
    const { box } = inbox(100);
    expect(box.push('a', 100, 50)).toBe(true);
    expect(box.push('b', 50, 50)).toBe(true);
    expect(box.push('c', 1, 50)).toBe(false);
  });

  it('doubles its window while the reader keeps up, granting the doubling with the credit, up to its limit', async () => {
    const { box, grants } = inbox(100, 800);
    const it = box[Symbol.asyncIterator]();
    // A reader that takes each item as it arrives: nothing waits when credit goes back.
    for (let i = 0; i < 14; i++) {
      expect(box.push(`item${i}`, 25, FRAME)).toBe(true);
      await it.next();
    }
    // 50 taken of a 100 window: 50 + 100 grown; of 200: 100 + 200; of 400: 200 + 400 (now 800,
    // the limit); then half of 800 taken: 400, the window stays.
    expect(grants).toEqual([150, 300, 600]);
    for (let i = 14; i < 30; i++) {
      box.push(`item${i}`, 25, FRAME);
      await it.next();
    }
    expect(grants).toEqual([150, 300, 600, 400]);
    // The grown window is the reader's bound: 800 bytes plus a frame may wait, no more.
    for (let i = 0; i < 32; i++) expect(box.push('held', 25, 25)).toBe(true);
    expect(box.push('held', 25, 25)).toBe(true);
    expect(box.push('over', 1, 25)).toBe(false);
  });

  it('does not grow its window for a reader that falls behind', async () => {
    const { box, grants } = inbox(100, 1600);
    const it = box[Symbol.asyncIterator]();
    // 80 bytes arrive before the reader takes any: when credit goes back, 30 still wait (> 100 / 8).
    for (let i = 0; i < 4; i++) box.push(`item${i}`, 20, FRAME);
    for (let i = 0; i < 3; i++) await it.next();
    expect(grants).toEqual([60]);
    for (const item of ['a', 'b', 'c', 'd']) expect(box.push(item, 20, 0)).toBe(true);
    expect(box.push('e', 1, 0)).toBe(false); // still a 100-byte window: 101 held
  });

  it('keeps a fixed window when given no limit above it', async () => {
    const { box, grants } = inbox(100);
    const it = box[Symbol.asyncIterator]();
    for (let i = 0; i < 8; i++) {
      box.push(`item${i}`, 25, FRAME);
      await it.next();
    }
    expect(grants).toEqual([50, 50, 50, 50]);
  });

  it('can be iterated only once', () => {
    const { box } = inbox();
    box[Symbol.asyncIterator]();
    expect(() => box[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });

  it('abandons the stream when the reader stops early, dropping what it held', async () => {
    const { box, grants, abandoned } = inbox(100);
    box.push('a', 10, FRAME);
    box.push('b', 10, FRAME);
    for await (const item of box) {
      expect(item).toBe('a');
      break;
    }
    expect(abandoned()).toBe(1);
    expect(box.push('c', 10, FRAME)).toBe(true); // late items are ignored, not an overrun
    box.end();
    expect(abandoned()).toBe(1);
    expect(grants).toEqual([]);
  });

  it('does not abandon a stream that already ended', async () => {
    const { box, abandoned } = inbox();
    box.end();
    const it = box[Symbol.asyncIterator]();
    await it.return!();
    expect(abandoned()).toBe(0);
  });

  it('delivers what arrived before a failure, then the failure', async () => {
    const { box } = inbox();
    box.push('a', 1, FRAME);
    const error = new CellError('CELL_E_STREAM_ABORTED', 'gone');
    box.fail(error);
    box.fail(new CellError('CELL_E_INTERNAL', 'second'));
    const it = box[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 'a', done: false });
    await expect(it.next()).rejects.toBe(error);
  });

  it('wakes a waiting reader on end and on failure', async () => {
    const ended = inbox();
    const next = ended.box[Symbol.asyncIterator]().next();
    ended.box.end();
    expect(await next).toEqual({ value: undefined, done: true });

    const failed = inbox();
    const pending = failed.box[Symbol.asyncIterator]().next();
    failed.box.fail(new CellError('CELL_E_UNAVAILABLE', 'dropped'));
    await expect(pending).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
  });

  it('grants no credit once the stream is done', async () => {
    const { box, grants } = inbox(10);
    box.push('a', 10, FRAME);
    box.end();
    const it = box[Symbol.asyncIterator]();
    await it.next();
    expect(grants).toEqual([]);
  });
});

describe('StreamCredit', () => {
  it('lets the sender go while it has credit, and holds it once spent', async () => {
    const credit = new StreamCredit(10);
    await credit.available();
    credit.spend(10);
    let ready = false;
    void credit.available().then(() => (ready = true));
    await flush();
    expect(ready).toBe(false);
    credit.add(5);
    await flush();
    expect(ready).toBe(true);
  });

  it('stays held after an overdraft until a grant brings it back above zero', async () => {
    const credit = new StreamCredit(10);
    credit.spend(25); // the last item may exceed what was left: the reader allows one frame beyond its window
    let ready = false;
    void credit.available().then(() => (ready = true));
    credit.add(10);
    await flush();
    expect(ready).toBe(false); // still 5 bytes in debt: sending now could overrun the reader
    credit.add(6);
    await flush();
    expect(ready).toBe(true);
  });

  it('never lets a sender overrun its reader, whatever the item sizes (sender and reader as the pumps run them)', async () => {
    const windowBytes = 100;
    const maxFrameBytes = 1000;
    const credit = new StreamCredit(windowBytes);
    // A window that may grow to 800 as the reader keeps up: the sender never overruns it either.
    const box = new StreamInbox<number>(windowBytes, (bytes) => credit.add(bytes), () => undefined, 800);
    let overruns = 0;
    const sizes = [60, 1000, 1000, 90, 1000, 10, 999, 1, ...Array.from({ length: 40 }, (_, i) => (i * 37) % 120 + 1)];
    const sender = (async () => {
      for (const size of sizes) {
        await credit.available();
        credit.spend(size);
        if (!box.push(size, size, maxFrameBytes)) {
          overruns++; // a real connection closes here with CELL_E_PROTOCOL
          return box.fail(new CellError('CELL_E_PROTOCOL', 'overrun'));
        }
      }
      box.end();
    })();
    await flush(); // the reader comes late: the first items wait in its inbox
    const read: number[] = [];
    try {
      for await (const size of box) {
        read.push(size);
        await flush(); // a reader that does a little work per item
      }
    } catch {
      // counted as an overrun
    }
    await sender;
    expect(overruns).toBe(0);
    expect(read).toEqual(sizes);
    expect(overruns).toBe(0);
  });

  it('releases a waiting sender for good when cancelled', async () => {
    const credit = new StreamCredit(1);
    credit.spend(1);
    const waiting = credit.available();
    credit.cancel();
    await waiting;
    expect(credit.isCancelled).toBe(true);
    await credit.available();
  });
});
