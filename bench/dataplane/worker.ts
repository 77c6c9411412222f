// One side of the data-plane benchmark, in its own process, bundled with one system the way cells
// are deployed (see bench-data.ts); the bundle's arguments:
//   serve       <socket>                      prints {"ready":true}, serves until killed
//   client      <socket> <server pid> <json>  prints one JSON line of measures
//   connections <socket> <server pid> <n>     n concurrent connections, each with one call
//   far         <socket> <server pid> <bytes> a byte stream of that many bytes (through a delay line)
//   setup       <socket> <server pid> <json>  connection setup (the plan's ms, setups, firstSetups)
import { readFileSync } from 'node:fs';
import { quantile, round } from '../lib/stats.ts';
import { SMALL, type DataClient, type DataSystem } from './system.ts';

export interface ClientPlan {
  pingPongCalls: number;
  window: number;
  ms: number;
  echoSizes: number[];
  items: number;
  streamBytes: number;
  streamChunk: number;
  /** Connections measured warm, and the first ones of the process. */
  setups: number;
  firstSetups: number;
  /** Connections made before the warm ones are measured: the same count on both sides (at most `setupWarmUpMaxMs`). */
  setupWarmUps: number;
  setupWarmUpMaxMs: number;
}

/** CPU time (user + system, all threads) of another process, ms; 10 ms ticks. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function privateKiB(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return kb('Private_Clean') + kb('Private_Dirty');
}

/** Runs `work`, returning its result with wall time and the CPU both sides spent on it. */
async function measured<T>(serverPid: number, work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const server0 = cpuMsOf(serverPid);
  const client0 = process.cpuUsage();
  const t = performance.now();
  const value = await work();
  const ms = performance.now() - t;
  const client = process.cpuUsage(client0);
  return { value, ms, cpuMs: (client.user + client.system) / 1000 + cpuMsOf(serverPid) - server0 };
}

async function echoThroughput(client: DataClient, serverPid: number, size: number, plan: ClientPlan) {
  const payload = Buffer.alloc(size, 3);
  const window = size >= 16 << 20 ? 2 : size >= 1 << 20 ? 4 : 8;
  await client.pipelined(payload, window, 1_000_000, plan.ms / 5); // warm-up
  const r = await measured(serverPid, () => client.pipelined(payload, window, 1_000_000, plan.ms));
  const mb = (r.value * size) / 1e6;
  return { mb_s: round(mb / (r.ms / 1000)), cpu_ms_per_mb: round(r.cpuMs / mb, 3), calls: r.value, window };
}

/** Repeats `work` for `ms` (at least once): the JIT warm-up every measure gets before it is measured. */
async function warmUp(ms: number, work: () => Promise<unknown>): Promise<void> {
  const end = performance.now() + ms;
  do await work();
  while (performance.now() < end);
}

/** Median µs of `count` connections, each opened, answering one small call and closed. */
async function setupMedianUs(system: DataSystem, socket: string, count: number): Promise<number> {
  const setups = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const c = await system.connect(socket);
    await c.pingPong(1);
    setups[i] = (performance.now() - t) * 1000;
    await c.close();
  }
  return round(quantile(setups.sort(), 0.5));
}

async function runClient(system: DataSystem, socket: string, serverPid: number, plan: ClientPlan) {
  const warm = plan.ms / 3;
  const client = await system.connect(socket);
  await warmUp(warm, () => client.pingPong(100));
  const times = (await client.pingPong(plan.pingPongCalls)).sort();
  await client.pipelined(SMALL, plan.window, 1_000_000, warm);
  const piped = await measured(serverPid, () => client.pipelined(SMALL, plan.window, 1_000_000, plan.ms));
  const echo: Record<string, unknown> = {};
  for (const size of plan.echoSizes) echo[`echo_${size >= 1 << 20 ? `${size >> 20}mib` : `${size >> 10}kib`}`] = await echoThroughput(client, serverPid, size, plan);
  await warmUp(warm, () => client.items(plan.items / 10));
  const items = await measured(serverPid, () => client.items(plan.items));
  await client.bytes(plan.streamBytes / 16, plan.streamChunk);
  const bytes = await measured(serverPid, () => client.bytes(plan.streamBytes, plan.streamChunk));
  if (items.value !== plan.items || bytes.value !== plan.streamBytes) throw new Error(`stream short: ${items.value} items, ${bytes.value} bytes`);
  await client.close();
  const streamMb = plan.streamBytes / 1e6;
  return {
    small_p50_us: round(quantile(times, 0.5)),
    small_p99_us: round(quantile(times, 0.99)),
    pipelined: { per_s: Math.round(piped.value / (piped.ms / 1000)), cpu_us_per_call: round((piped.cpuMs * 1000) / piped.value, 2) },
    ...echo,
    item_stream: { per_s: Math.round(items.value / (items.ms / 1000)), cpu_us_per_item: round((items.cpuMs * 1000) / items.value, 3) },
    byte_stream: { mb_s: round(streamMb / (bytes.ms / 1000)), cpu_ms_per_mb: round(bytes.cpuMs / streamMb, 3) },
  };
}

/**
 * Connection setup, from a process of its own to a server of its own (thousands of connections
 * would otherwise leave the server's heap grown for the next round's bulk measures): the first
 * connections of a new process, then connections warmed up by the same number of connections on
 * both sides, not the same time. A connection runs each of its functions once, on both sides, and
 * V8 optimizes a function after it ran some thousands of times: with the same time, the side
 * whose connections cost more would be measured with less optimized code for that reason alone.
 * The Cell pair's connections stop getting faster after ~12,000 (the server's own included).
 */
async function runSetup(system: DataSystem, socket: string, plan: Pick<ClientPlan, 'setups' | 'firstSetups' | 'setupWarmUps' | 'setupWarmUpMaxMs'>) {
  const setupFirst = await setupMedianUs(system, socket, plan.firstSetups);
  const end = performance.now() + plan.setupWarmUpMaxMs;
  let warmUps = 0;
  for (; warmUps < plan.setupWarmUps && performance.now() < end; warmUps += 20) await setupMedianUs(system, socket, 20);
  return { setup_us: await setupMedianUs(system, socket, plan.setups), setup_first_us: setupFirst, setup_warm_ups: warmUps };
}

/** `n` connections at once, each answering one call: time until all answered, and the server's private memory per connection. */
async function runConnections(system: DataSystem, socket: string, serverPid: number, n: number) {
  const before = privateKiB(serverPid);
  const t = performance.now();
  const clients = await Promise.all(
    Array.from({ length: n }, async () => {
      const c = await system.connect(socket);
      await c.pingPong(1);
      return c;
    }),
  );
  const ms = performance.now() - t;
  const after = privateKiB(serverPid);
  await Promise.all(clients.map((c) => c.close()));
  return { connections: n, all_answered_ms: round(ms), server_kib_per_connection: round((after - before) / n, 2) };
}

/** One byte stream of `total` bytes in 64 KiB chunks, from its first byte asked to its last: MB/s. */
async function runFarStream(system: DataSystem, socket: string, total: number) {
  const client = await system.connect(socket);
  await client.pingPong(1); // connected, the handshake's round trips done
  const t = performance.now();
  const got = await client.bytes(total, 64 << 10);
  const ms = performance.now() - t;
  await client.close();
  if (got !== total) throw new Error(`stream short: ${got} of ${total} bytes`);
  return { mb_s: round(total / 1e6 / (ms / 1000)) };
}

/** Runs one side with `system`, as the bundle's arguments say. */
export async function runWorker(system: DataSystem, argv: string[]): Promise<void> {
  const [mode, socket, pidArg, planArg] = argv;
  if (!socket) throw new Error('usage: <bundle> serve|client|connections <socket> ...');
  if (mode === 'serve') {
    await system.serve(socket);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
    process.stdout.write('{"ready":true}\n');
    return;
  }
  const result =
    mode === 'connections'
      ? await runConnections(system, socket, Number(pidArg), Number(planArg))
      : mode === 'far'
        ? await runFarStream(system, socket, Number(planArg))
        : mode === 'setup'
          ? await runSetup(system, socket, JSON.parse(planArg!) as ClientPlan)
          : await runClient(system, socket, Number(pidArg), JSON.parse(planArg!) as ClientPlan);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
