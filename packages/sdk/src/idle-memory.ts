import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DEFAULT_MEMORY_TRIM_MS } from '@cell/host';
import { type Clock, libc, systemClock } from '@cell/wire';
import { launchSettings } from './launch.ts';
import type { Logger } from './logger.ts';

/** What an idle cell's memory trim watches: its membrane. */
export interface CallActivity {
  /** Calls being handled now. */
  readonly inFlight: number;
  /** Calls started since the membrane listened. */
  readonly callsStarted: number;
}

/** How long a cell waits without calls before it gives memory back: `CELL_MEMORY_TRIM_MS`, else the default for a cell the runtime started (`CELL_NAME`), else never (0). */
export function memoryTrimMs(launch: { readonly name: string | undefined; readonly memoryTrimMs: number | undefined }): number {
  return launch.memoryTrimMs ?? (launch.name ? DEFAULT_MEMORY_TRIM_MS : 0);
}

/** Of a quiet spell, the event loop's busy share above which the cell is not idle (timers, background work). */
export const IDLE_LOOP_SHARE = 0.01;

/**
 * Decides when a cell is idle enough to give memory back: `idleMs` without a call started or in
 * flight and with an event loop busy for at most 1% of that time, then once per idle spell (the
 * next trim waits for another call and another quiet spell).
 */
export class IdleTrim {
  private seenCalls = -1;
  private quietSince = 0;
  private trimmed = false;
  private readonly idleMs: number;

  constructor(idleMs: number) {
    this.idleMs = idleMs;
  }

  /**
   * One look at the cell at `now` (monotonic ms). `loopShare` is the event loop's busy share since
   * the quiet spell began (`spellStart`), asked only once the spell is long enough. True: trim now.
   */
  check(activity: CallActivity, now: number, loopShare: () => number): boolean {
    if (activity.callsStarted !== this.seenCalls || activity.inFlight > 0) return this.restart(activity, now);
    if (this.trimmed || now - this.quietSince < this.idleMs) return false;
    if (loopShare() > IDLE_LOOP_SHARE) return this.restart(activity, now); // busy without calls: another spell
    this.trimmed = true;
    return true;
  }

  /** When the current quiet spell began (monotonic ms). */
  get spellStart(): number {
    return this.quietSince;
  }

  private restart(activity: CallActivity, now: number): false {
    this.seenCalls = activity.callsStarted;
    this.quietSince = now;
    this.trimmed = false;
    return false;
  }
}

let collect: ((options: object) => void) | undefined;

/**
 * One collection that reduces memory (V8's last-resort flavour: it compacts the old generation and
 * shrinks the young one back to its start size), the way V8 does under memory pressure, which it
 * never sees in a small idle process. The `gc` function comes from a context of its own, so the
 * cell's global scope gets no `gc`. Node 22's V8 may not know the flavour and then only collects.
 */
export function reduceHeap(): void {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as (options: object) => void;
  }
  collect({ type: 'major', flavor: 'last-resort' });
}

/**
 * Gives an idle process's memory back: one memory-reducing collection (reduceHeap), then glibc's
 * `malloc_trim`, when given, for what malloc keeps of the memory freed (V8's compiler zones on its
 * worker threads leave a 1 MiB arena behind; the main arena grows while a cell starts). True when
 * malloc was trimmed.
 */
export function giveMemoryBack(mallocTrim: ((pad: number) => number) | undefined): boolean {
  reduceHeap();
  if (!mallocTrim) return false;
  mallocTrim(0);
  return true;
}

/** Bytes V8 holds for its heap right now (all spaces, committed). */
function heapBytes(): number {
  return v8.getHeapStatistics().total_physical_size;
}

/**
 * Gives a cell's memory back once it is idle: V8 keeps the young generation it grew to while the
 * cell started or served (2-3 MiB more than a bare Node process), and collects to reduce memory
 * only under pressure that a small idle process never feels; malloc keeps what was freed. After
 * `idleMs` without calls and with a quiet event loop, `trim` (giveMemoryBack: ~20 ms, once per
 * idle spell; logged at debug as `memory trimmed`). Looks four times per `idleMs` on a timer
 * that never keeps the process alive. Returns a function that stops it.
 */
export function trimMemoryWhenIdle(activity: CallActivity, idleMs: number, log: Logger, trim: () => boolean, clock: Clock = systemClock): () => void {
  const decide = new IdleTrim(idleMs);
  let spellLoop = performance.eventLoopUtilization();
  let spellStart = Number.NaN;
  let timer = clock.setTimer(look, idleMs / 4);
  function look(): void {
    const now = clock.monotonic();
    const due = decide.check(activity, now, () => performance.eventLoopUtilization(spellLoop).utilization);
    if (decide.spellStart !== spellStart) {
      // A new quiet spell: the loop's busy share is measured from here.
      spellStart = decide.spellStart;
      spellLoop = performance.eventLoopUtilization();
    }
    if (due) {
      const before = heapBytes();
      const t = performance.now();
      const mallocTrimmed = trim();
      log.debug({ heapBefore: before, heapAfter: heapBytes(), mallocTrimmed, ms: Math.round((performance.now() - t) * 10) / 10 }, 'memory trimmed');
    }
    timer = clock.setTimer(look, idleMs / 4);
  }
  return () => clock.clearTimer(timer);
}

/**
 * Starts giving memory back when idle as the launch environment says (memoryTrimMs), with
 * malloc_trim through the koffi the runtime named (`CELL_KOFFI`) when it is there. Returns the
 * function that stops it, or undefined when this process does not trim.
 */
export function trimMemoryAsLaunched(activity: CallActivity, log: Logger, clock: Clock = systemClock): (() => void) | undefined {
  const launch = launchSettings();
  const idleMs = memoryTrimMs(launch);
  if (idleMs <= 0) return undefined;
  const found = libc(launch.koffi);
  const mallocTrim = typeof found === 'string' ? undefined : found.mallocTrim;
  return trimMemoryWhenIdle(activity, idleMs, log.child({ component: 'sdk.memory' }), () => giveMemoryBack(mallocTrim), clock);
}
