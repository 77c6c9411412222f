import { describe, expect, it } from 'vitest';
import { LogFeed } from './log-feed.ts';

describe('LogFeed', () => {
  it('keeps the newest lines, oldest first, without their newline', () => {
    const feed = new LogFeed(3);
    expect(feed.recent()).toEqual([]);
    for (const n of [1, 2, 3, 4]) feed.push(`{"n":${n}}\n`);
    expect(feed.recent()).toEqual(['{"n":2}', '{"n":3}', '{"n":4}']);
  });

  it('tells each watcher every new line until it stops watching', () => {
    const feed = new LogFeed(2);
    const seen: string[] = [];
    const stop = feed.watch((l) => seen.push(l));
    feed.push('a');
    stop();
    feed.push('b');
    expect(seen).toEqual(['a']);
  });
});
