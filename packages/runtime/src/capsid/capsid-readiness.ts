import type { Readable } from 'node:stream';
import type { CapsidNetwork } from './capsid-network.ts';

/**
 * When a process cell in a capsid is ready. Probes look from outside without entering the
 * sandbox: a TCP port is ready when the capsid network lists a socket listening on it; an HTTP
 * path when a GET from inside that network (a short-lived `node`, as the sandbox uid) is answered
 * below 400; a log pattern when a line of its output matches.
 */
export type CapsidReadiness = { kind: 'started' } | { kind: 'tcp'; port: number } | { kind: 'http'; url: string } | { kind: 'log'; pattern: RegExp };

/** How long one HTTP probe may take. */
const HTTP_PROBE_MS = 2000;

/** A GET of argv[1]: exit 0 when answered below 400. */
const HTTP_GET = `const r = require('node:http').get(process.argv[1], { timeout: ${HTTP_PROBE_MS} }, (res) => process.exit(res.statusCode < 400 ? 0 : 1));
r.on('timeout', () => process.exit(1)); r.on('error', () => process.exit(1));`;

/** What a probe may use: the capsid's network (tcp, http), its output (log), how to run `node` as the sandbox uid. */
export interface ReadinessContext {
  network: CapsidNetwork | undefined;
  output: readonly Readable[];
  /** argv prefix that runs the host's Node as the sandbox uid (`setpriv … node`). */
  nodeAs: readonly string[];
}

/** Watches `streams` line by line; true once a line matched `pattern`. */
function logWatch(streams: readonly Readable[], pattern: RegExp): () => boolean {
  let seen = false;
  for (const stream of streams) {
    let partial = '';
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!.slice(-4096);
      if (lines.some((l) => pattern.test(l))) {
        seen = true;
        stream.off('data', onData);
      }
    };
    stream.on('data', onData);
  }
  return () => seen;
}

/** One attempt at `readiness`: resolves true when the cell is ready. Make it before the cell starts writing (log). */
export function readinessProbe(readiness: CapsidReadiness, ctx: ReadinessContext): () => Promise<boolean> {
  switch (readiness.kind) {
    case 'started':
      return () => Promise.resolve(true);
    case 'log': {
      const seen = logWatch(ctx.output, readiness.pattern);
      return () => Promise.resolve(seen());
    }
    case 'tcp':
      return () => Promise.resolve(ctx.network?.listening(readiness.port) ?? false);
    case 'http':
      return async () => (await ctx.network?.exec([...ctx.nodeAs, '-e', HTTP_GET, readiness.url], HTTP_PROBE_MS + 1000)) === 0;
  }
}
