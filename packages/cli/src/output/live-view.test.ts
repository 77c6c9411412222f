import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TreeStatus } from '@cell/host';
import { LiveView } from './live-view.ts';
import { renderTree } from './tree-view.ts';
import { cellStatus, treeStatus } from '../test-support/tree-status.ts';

let writes: string[] = [];
beforeEach(() => {
  writes = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (writes.push(String(chunk)), true));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const twoCells = treeStatus([cellStatus('shop', { state: 'group', parent: null }), cellStatus('orders', { parent: 'shop' })]);
const threeCells = treeStatus([cellStatus('shop', { state: 'group', parent: null }), cellStatus('orders', { parent: 'shop' }), cellStatus('mailer', { parent: 'shop', state: 'starting' })]);

describe('LiveView', () => {
  it('draws the tree and the footer', () => {
    const view = new LiveView(() => twoCells, () => 'starting…');
    view.draw();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(`${[...renderTree(twoCells, { replicas: false }), '', 'starting…'].join('\n')}\n`);
    expect(writes[0]).not.toContain('\x1b[J');
  });

  it('redraws in place: moves up over every line it drew, clears, and draws the new state', () => {
    let status: TreeStatus = twoCells;
    const view = new LiveView(() => status, () => 'footer');
    view.draw();
    const firstLines = writes[0]!.trimEnd().split('\n').length;
    status = threeCells;
    view.draw();
    expect(writes[1]!.startsWith(`\x1b[${firstLines}F\x1b[J`)).toBe(true);
    const redrawn = stripVTControlCharacters(writes[1]!.slice(`\x1b[${firstLines}F\x1b[J`.length));
    expect(redrawn).toContain('mailer');
    const secondLines = redrawn.trimEnd().split('\n').length;
    expect(secondLines).toBe(firstLines + 1);
    view.draw();
    expect(writes[2]!.startsWith(`\x1b[${secondLines}F\x1b[J`)).toBe(true);
  });

  it('coalesces updates: one redraw per interval, reading the latest state', async () => {
    vi.useFakeTimers();
    let reads = 0;
    const view = new LiveView(() => (reads++, twoCells), () => 'footer', 100);
    view.update();
    view.update();
    view.update();
    await vi.advanceTimersByTimeAsync(99);
    expect(writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(1);
    expect(reads).toBe(1);
    view.update();
    await vi.advanceTimersByTimeAsync(100);
    expect(writes).toHaveLength(2);
  });

  it('finish draws at once and cancels a pending redraw', async () => {
    vi.useFakeTimers();
    const view = new LiveView(() => twoCells, () => 'done', 100);
    view.update();
    view.finish();
    expect(writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(writes).toHaveLength(1);
  });
});
