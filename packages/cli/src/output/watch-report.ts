import { relative } from 'node:path';
import type { WatchEvent } from '@cell/runtime';
import { color } from './cli-error.ts';

/** A reload's duration, to a tenth of a second. */
function took(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Lines of an error shown under the live tree: enough for a few type errors, never the whole screen. */
const MAX_ERROR_LINES = 12;

/**
 * What `cell mitosis --watch` shows under the live tree: the last thing the watch did, and any
 * cell currently refused (with its errors) until a later save fixes it.
 */
export class WatchReport {
  private last = '';
  private readonly refused = new Map<string, string[]>();
  private readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** Takes one event; true when the lines changed. */
  take(event: WatchEvent): boolean {
    switch (event.kind) {
      case 'changed':
        this.last = `changed: ${event.files.map((f) => relative(this.root, f)).join(', ')} → rebuilding ${event.cells.join(', ')}…`;
        return true;
      case 'reloaded':
        for (const c of [event.cell, ...event.consumers]) this.refused.delete(c);
        this.last = `reloaded ${[event.cell, ...event.consumers].join(', ')} in ${took(event.durationMs)}`;
        return true;
      case 'refused':
        this.refused.set(event.cell, event.error.message.split('\n'));
        this.last = `${event.cell} not reloaded: the running version keeps serving`;
        return true;
      case 'error':
        this.last = `watch: ${event.error.code}: ${event.error.message}`;
        return true;
    }
  }

  lines(): string[] {
    const out = [color('gray', `watching for changes · ${this.last || 'nothing changed yet'}`)];
    for (const [cell, error] of this.refused) {
      const shown = error.slice(0, MAX_ERROR_LINES);
      const more = error.length - shown.length;
      out.push(color('red', `${cell}: not reloaded (old version serving)`), ...shown.map((l) => `  ${l}`), ...(more > 0 ? [`  … ${more} more lines`] : []));
    }
    return out;
  }
}

/** The JSON log fields of a watch event (for `cell mitosis --watch` without a terminal, and the log). */
export function watchLogFields(event: WatchEvent): { level: 'info' | 'error'; fields: Record<string, unknown>; msg: string } {
  switch (event.kind) {
    case 'changed':
      return { level: 'info', fields: { files: event.files, cells: event.cells }, msg: 'sources changed' };
    case 'reloaded':
      return { level: 'info', fields: { cell: event.cell, consumers: event.consumers, durationMs: event.durationMs }, msg: 'reloaded after a change' };
    case 'refused':
      return { level: 'error', fields: { cell: event.cell, code: event.error.code, err: event.error.message, durationMs: event.durationMs }, msg: 'not reloaded: the running version keeps serving' };
    case 'error':
      return { level: 'error', fields: { code: event.error.code, err: event.error.message }, msg: 'watch error' };
  }
}
