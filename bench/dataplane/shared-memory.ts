// Section `junction`: would a gap junction through shared memory beat the Unix socket for large
// payloads between two processes on one host? Echoes of 1 MiB and 16 MiB over the socket, against
// the same payload put in a segment both processes reach (a /dev/shm file, mapped through koffi's
// mmap or written and read as a file) with a notice on the socket, the receiver copying it out (as
// a call's payload must be: the user keeps it) or reading it in place (a zero-copy junction's
// bound). No Cell code: the ways of moving bytes, each at its best, in the same run.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from '../lib/stats.ts';
import { pinningPrefix, runJson, startReady, stopAll } from '../lib/processes.ts';

export const SHARED_MEMORY_MODES = ['socket', 'shared_copy', 'shared_file', 'shared_view'] as const;
export type SharedMemoryMode = (typeof SHARED_MEMORY_MODES)[number];

const WORKER = fileURLToPath(new URL('./shared-memory-worker.ts', import.meta.url));
/** Payload sizes and how many are in flight (one at a time, and as the data section echoes them); each measured for MEASURE_MS after as long a warm-up. */
const SIZES = [
  { name: 'echo_1mib', bytes: 1 << 20, window: 1 },
  { name: 'echo_1mib_4', bytes: 1 << 20, window: 4 },
  { name: 'echo_16mib', bytes: 16 << 20, window: 1 },
  { name: 'echo_16mib_2', bytes: 16 << 20, window: 2 },
];
const MEASURE_MS = 750;

interface EchoFigures {
  mb_s: number;
  echoes: number;
  client_cpu_ms_per_echo: number;
}

export interface JunctionOptions {
  rounds: number;
  log(line: string): void;
}

export async function benchSharedMemory(opts: JunctionOptions): Promise<Record<string, unknown>> {
  const { prefix, note } = pinningPrefix();
  const samples = new Map<string, EchoFigures[]>();
  const shm = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  for (let r = 0; r < opts.rounds; r++) {
    const order = SHARED_MEMORY_MODES.map((_, i) => SHARED_MEMORY_MODES[(i + r) % SHARED_MEMORY_MODES.length]!);
    for (const size of SIZES) {
      for (const mode of order) {
        const dir = mkdtempSync(join(shm, 'cell-bench-junction-'));
        const socket = join(dir, 'echo.sock');
        const server = await startReady(prefix, [WORKER, 'serve', mode, socket, dir, String(size.bytes), String(size.window)]);
        try {
          const figures = await runJson<EchoFigures>(prefix, [WORKER, 'client', mode, socket, dir, String(size.bytes), String(size.window), String(MEASURE_MS)]);
          const key = `${mode}/${size.name}`;
          samples.set(key, [...(samples.get(key) ?? []), figures]);
          opts.log(`junction round ${r + 1}/${opts.rounds} ${key}: ${JSON.stringify(figures)}`);
        } finally {
          await stopAll([server]);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  }
  const result: Record<string, Record<string, unknown>> = {};
  const vsSocket: Record<string, Record<string, number>> = {};
  for (const mode of SHARED_MEMORY_MODES) {
    result[mode] = {};
    if (mode !== 'socket') vsSocket[mode] = {};
    for (const size of SIZES) {
      const runs = samples.get(`${mode}/${size.name}`)!;
      const figures = { mb_s: round(median(runs.map((f) => f.mb_s))), echoes: median(runs.map((f) => f.echoes)), client_cpu_ms_per_echo: round(median(runs.map((f) => f.client_cpu_ms_per_echo)), 3) };
      result[mode][size.name] = figures;
      const socketMbs = (result['socket']![size.name] as EchoFigures).mb_s;
      if (mode !== 'socket') vsSocket[mode]![size.name] = round(figures.mb_s / socketMbs, 2);
    }
  }
  return {
    ...result,
    vs_socket: vsSocket,
    method: {
      pinning: note,
      rounds: opts.rounds,
      statistic: `echoes of 1 MiB (1 and 4 in flight) and 16 MiB (1 and 2 in flight) for ${MEASURE_MS} ms after as long a warm-up; median over rounds; the modes rotate which goes first`,
      socket: 'the payload written after a 4-byte length (one corked write); both sides read into a reused buffer (Node\'s onread) and copy each payload once, as it arrives, into bytes of its own of its size (a call\'s payload is that: the user keeps it), as the data section\'s raw baseline does',
      shared_copy: `the payload copied into a segment of shared memory (a file in ${shm} both processes map, through koffi's mmap), a notice of its slot and length on the socket, the receiver copying it out into bytes of its own`,
      shared_file: `the payload written into a file in ${shm} (pwrite at its slot's offset in a file both keep open), the same notice, the receiver reading it into bytes of its own: no mapping, so a peer that shrinks the file makes a short read, not a SIGBUS`,
      shared_view: 'the copy into shared memory as in shared_copy, the receiver reading the payload in place: no copy out (what a zero-copy junction, whose receiver keeps a view of the segment until it lets go, could reach)',
      mb_s: 'payload bytes one way per second',
    },
  };
}
