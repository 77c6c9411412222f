import { median, round } from './stats.ts';

/** One client run of one system: latency of sequential calls and pipelined throughput. */
export interface Sample {
  p50_us: number;
  p99_us: number;
  rps_pipelined: number;
}

/**
 * Measures every system once per round, rotating the order each round so no system always runs
 * first (or on a warmer machine), and returns each system's medians over the rounds.
 */
export async function interleavedRounds<N extends string>(
  section: string,
  names: readonly N[],
  rounds: number,
  measure: (name: N) => Promise<Sample>,
  log: (line: string) => void,
): Promise<Record<N, Sample>> {
  const samples = new Map<N, Sample[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const name of order) {
      const s = await measure(name);
      samples.get(name)!.push(s);
      log(`${section} round ${r + 1}/${rounds} ${name}: p50 ${round(s.p50_us)} µs, p99 ${round(s.p99_us)} µs, ${Math.round(s.rps_pipelined)} req/s`);
    }
  }
  const result = {} as Record<N, Sample>;
  for (const [name, s] of samples) {
    result[name] = {
      p50_us: round(median(s.map((x) => x.p50_us))),
      p99_us: round(median(s.map((x) => x.p99_us))),
      rps_pipelined: Math.round(median(s.map((x) => x.rps_pipelined))),
    };
  }
  return result;
}
