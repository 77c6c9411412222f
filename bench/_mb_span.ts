import { SpanLog, MethodStats } from '@cell/wire';
import { nextSpan, newTraceId } from '@cell/protocol';
const log = new SpanLog(1024);
const stats = new MethodStats(true);
const caller = { cell: 'x' } as any;
const N = 5_000_000;
const traces = Array.from({ length: 64 }, () => newTraceId());
// frame-like trace: a subarray view of a bigger buffer
const big = Buffer.alloc(4096); const views = Array.from({length:64},(_, i)=> big.subarray(i*32, i*32+16));
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) { const call = { traceId: views[i & 63], parentSpan: undefined, span: nextSpan(), method: 'echo', began: performance.now() } as any; log.ended(call, caller, undefined, performance.now() - call.began); }
  const spanNs = (performance.now() - t) / N * 1e6;
  t = performance.now();
  for (let i = 0; i < N; i++) { const b = performance.now(); stats.record(performance.now() - b, undefined); }
  const statNs = (performance.now() - t) / N * 1e6;
  t = performance.now();
  for (let i = 0; i < N; i++) { const b = performance.now(); if (b < 0) throw 0; }
  const nowNs = (performance.now() - t) / N * 1e6;
  console.log({ spanNs: spanNs.toFixed(1), statNs: statNs.toFixed(1), nowNs: nowNs.toFixed(1) });
}
