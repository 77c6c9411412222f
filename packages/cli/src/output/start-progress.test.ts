import { describe, expect, it } from 'vitest';
import { cellStatus, treeStatus } from '../test-support/tree-status.ts';
import { ProgressLine, startProgress } from './start-progress.ts';

const starting = treeStatus([
  cellStatus('catalog', { state: 'building', replicasWanted: 1 }),
  cellStatus('orders', { state: 'starting', replicasWanted: 2 }),
  cellStatus('mailer', { state: 'ready', replicasWanted: 1 }),
]);

/** A stream that records what is written, a terminal or not. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write: (t: string) => ((s.text += t), true) };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('start progress', () => {
  it('names the cells building and starting and counts the replicas ready', () => {
    expect(startProgress(starting, 4200)).toBe('4s · building catalog · starting orders · 3/4 replicas ready');
    expect(startProgress(undefined, 1500)).toBe('1s · the nucleus is starting');
  });

  it('off a terminal, writes a line only when something changed, and nothing in the first second', () => {
    const out = stream(false);
    const p = new ProgressLine(out);
    p.update(undefined, 500);
    p.update(undefined, 1200);
    p.update(undefined, 2200);
    p.update(starting, 3100);
    p.done();
    expect(out.text).toBe('1s · the nucleus is starting\n3s · building catalog · starting orders · 3/4 replicas ready\n');
  });

  it('on a terminal, rewrites one line in place and clears it at the end', () => {
    const out = stream(true);
    const p = new ProgressLine(out);
    p.update(undefined, 1200);
    p.update(undefined, 2200);
    p.done();
    expect(out.text).toBe('\r\x1b[2K1s · the nucleus is starting\r\x1b[2K2s · the nucleus is starting\r\x1b[2K');
  });
});
