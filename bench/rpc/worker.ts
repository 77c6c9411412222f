// One side of one RPC benchmark, in its own process:
//   worker.ts serve  <system> <address>                 prints {"ready":true} and serves until killed
//   worker.ts client <system> <address> <calls> <window> <ms> prints one JSON line of measurements
//   worker.ts setup  <system> <address> <count>           prints the median connection setup time
import { PAYLOAD, type BenchClient } from './system.ts';
import { SYSTEMS } from './systems.ts';
import { quantile } from '../lib/stats.ts';

async function pingPong(client: BenchClient, calls: number): Promise<{ p50_us: number; p99_us: number }> {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await client.call(PAYLOAD);
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  samples.sort();
  return { p50_us: quantile(samples, 0.5), p99_us: quantile(samples, 0.99) };
}

/** Keeps `window` calls in flight for `durationMs`; returns completed calls per second. */
async function pipelined(client: BenchClient, durationMs: number, window: number): Promise<number> {
  let completed = 0;
  const t = process.hrtime.bigint();
  const end = Date.now() + durationMs;
  const lane = async () => {
    while (Date.now() < end) {
      await client.call(PAYLOAD);
      completed++;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return completed / (Number(process.hrtime.bigint() - t) / 1e9);
}

const [mode, name, address, callsArg, windowArg, durationArg] = process.argv.slice(2);
const load = SYSTEMS[name ?? ''];
if (!load || !address) throw new Error(`usage: worker.ts serve|client <${Object.keys(SYSTEMS).join('|')}> <address> ...`);
const system = await load();
if (mode === 'setup') {
  const times: number[] = [];
  for (let i = 0; i < Number(callsArg); i++) {
    const t = process.hrtime.bigint();
    const client = await system.connect(address);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    await client.close();
  }
  times.sort((x, y) => x - y);
  process.stdout.write(`${JSON.stringify({ setup_ms: quantile(times, 0.5) })}\n`);
  process.exit(0);
} else if (mode === 'serve') {
  await system.serve(address);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
  process.stdout.write('{"ready":true}\n');
} else {
  const calls = Number(callsArg);
  const window = Number(windowArg);
  const client = await system.connect(address);
  await pingPong(client, Math.min(2000, calls)); // warm-up: JIT, connection, buffers
  const latency = await pingPong(client, calls);
  const durationMs = Number(durationArg);
  await pipelined(client, durationMs / 3, window); // warm-up
  const rps = await pipelined(client, durationMs, window);
  await client.close();
  process.stdout.write(`${JSON.stringify({ ...latency, rps_pipelined: rps })}\n`);
  process.exit(0);
}
