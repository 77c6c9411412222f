import type { Readable } from 'node:stream';
import { listensOnTcp } from './capsid-network.ts';

/**
 * When a process cell in a capsid is ready. Probes look from outside without entering the
 * sandbox: a TCP port is ready when the capsid's network lists a socket listening on it; an HTTP
 * URL when a GET from inside that network (a short-lived `node`, as the sandbox uid, in a cgroup
 * of the probes' own: `http-probe.ts`) is answered below 400; a text when a line of its output contains it (a plain
 * text, never a regular expression: the donor matches what a hostile cell writes).
 */
export type CapsidReadiness = { kind: 'started' } | { kind: 'tcp'; port: number } | { kind: 'http'; url: string } | { kind: 'log'; text: string };

/** How long one HTTP probe may take. */
export const HTTP_PROBE_MS = 2000;
/** Pause between probes: an HTTP one starts a process, the others read a file or a flag. */
export function probeEveryMs(readiness: CapsidReadiness): number {
  return readiness.kind === 'http' ? 250 : 50;
}

/** A GET of argv[1]: exit 0 when answered below 400. */
export const HTTP_GET = `const r = require('node:http').get(process.argv[1], { timeout: ${HTTP_PROBE_MS} }, (res) => process.exit(res.statusCode < 400 ? 0 : 1));
r.on('timeout', () => process.exit(1)); r.on('error', () => process.exit(1));`;

/** What a probe may use. */
export interface ReadinessContext {
  /** A process in the capsid's network (bubblewrap's own): its `/proc/<pid>/net/tcp` lists the listeners. */
  pid: number;
  /** Its stdout and stderr. */
  output: readonly Readable[];
  /** One HTTP GET from inside its network: true when answered below 400. */
  httpGet(url: string): Promise<boolean>;
}

/** Output lines are looked at up to this long (a line longer is cut). */
const LINE_CHARS = 4096;

/** Watches `streams` line by line until one contains `text`; stops watching then, or on `stop()`. */
function textWatch(streams: readonly Readable[], text: string): { seen(): boolean; stop(): void } {
  let seen = false;
  const listeners: Array<[Readable, (chunk: Buffer) => void]> = [];
  const stop = () => {
    for (const [stream, fn] of listeners.splice(0)) stream.off('data', fn);
  };
  for (const stream of streams) {
    let partial = '';
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!.slice(-LINE_CHARS);
      if (lines.some((l) => l.slice(0, LINE_CHARS).includes(text))) {
        seen = true;
        stop();
      }
    };
    stream.on('data', onData);
    listeners.push([stream, onData]);
  }
  return { seen: () => seen, stop };
}

/** One attempt at `readiness` (resolves true when the cell is ready), and how to stop watching. Make it before the cell writes (log). */
export function readinessProbe(readiness: CapsidReadiness, ctx: ReadinessContext): { probe: () => Promise<boolean>; stop: () => void } {
  switch (readiness.kind) {
    case 'started':
      return { probe: () => Promise.resolve(true), stop: () => undefined };
    case 'log': {
      const watch = textWatch(ctx.output, readiness.text);
      return { probe: () => Promise.resolve(watch.seen()), stop: watch.stop };
    }
    case 'tcp':
      return { probe: () => Promise.resolve(listensOnTcp(ctx.pid, readiness.port)), stop: () => undefined };
    case 'http':
      return { probe: () => ctx.httpGet(readiness.url), stop: () => undefined };
  }
}
