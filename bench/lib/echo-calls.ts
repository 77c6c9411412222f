// The echo cell's calls, as the capsid and donate sections measure them.
import { connectDynamic, type ConnectOptions, type DynamicSynapse } from '@cell/sdk';
import { quantile } from './stats.ts';

/** Connects with `options` until an echo call succeeds (the cell may still be starting); returns the synapse. */
export async function firstEchoCall(options: ConnectOptions, deadlineMs = 30_000): Promise<DynamicSynapse> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const client = connectDynamic({ connectTimeoutMs: 1000, ...options });
    try {
      await client.call('echo', { n: 1 });
      return client;
    } catch (err) {
      await client.$close();
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

/** p50 of `calls` sequential echo calls, µs, after `warmup` unmeasured ones. */
export async function echoP50(client: DynamicSynapse, calls: number, warmup = 0): Promise<number> {
  for (let i = 0; i < warmup; i++) await client.call('echo', { n: i });
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await client.call('echo', { n: i });
    times[i] = (performance.now() - t) * 1000;
  }
  return quantile(times.sort(), 0.5);
}
