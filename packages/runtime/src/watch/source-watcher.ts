import { type FSWatcher, watch } from 'node:fs';
import { join, sep } from 'node:path';
import { type Clock, systemClock } from '@cell/wire';
import { type BatchTiming, ChangeBatcher, DEFAULT_BATCH_TIMING } from './change-batcher.ts';

/** Directories whose changes are Cell's own output, dependencies or version control: never sources. */
const IGNORED = new Set(['node_modules', '.cell', 'run', 'log', '.git']);

/** True for a path (relative to the watched root) under an ignored directory. */
export function isIgnored(relativePath: string): boolean {
  return relativePath.split(sep).some((segment) => IGNORED.has(segment));
}

export interface SourceWatcherOptions {
  clock?: Clock;
  timing?: BatchTiming;
  /** A watch error (e.g. the inotify limit): reported, the watcher is closed. */
  onError?: (err: Error) => void;
}

/**
 * Watches every file under `root` (recursively, with the platform's file events) except Cell's
 * own output and dependencies, and delivers the changed absolute paths in batches.
 */
export class SourceWatcher {
  private readonly watcher: FSWatcher;
  private readonly batcher: ChangeBatcher;

  constructor(root: string, onBatch: (paths: string[]) => void, options: SourceWatcherOptions = {}) {
    this.batcher = new ChangeBatcher(options.clock ?? systemClock, onBatch, options.timing ?? DEFAULT_BATCH_TIMING);
    this.watcher = watch(root, { recursive: true, persistent: false }, (_event, file) => {
      if (file && !isIgnored(file)) this.batcher.add(join(root, file));
    });
    this.watcher.on('error', (err) => {
      this.close();
      options.onError?.(err);
    });
  }

  close(): void {
    this.batcher.close();
    this.watcher.close();
  }
}
