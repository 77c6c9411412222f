import { closeSync, openSync, readSync } from 'node:fs';

/**
 * `count` random 32-bit numbers from the kernel (`/dev/urandom`), for the per-process halves of
 * trace and span ids. Read once per process, with three system calls: `node:crypto` would cost
 * every cell ~2 MiB and a few milliseconds of its start for these few bytes. Where the device is
 * missing (a bare container or sandbox), `node:crypto` fills them instead.
 */
export function processRandomWords(count: number, device = '/dev/urandom'): Uint32Array {
  const words = new Uint32Array(count);
  const bytes = new Uint8Array(words.buffer);
  try {
    readFully(device, bytes);
  } catch {
    process.getBuiltinModule('node:crypto').randomFillSync(bytes);
  }
  return words;
}

function readFully(device: string, bytes: Uint8Array): void {
  const fd = openSync(device, 'r');
  try {
    let filled = 0;
    while (filled < bytes.length) {
      const n = readSync(fd, bytes, filled, bytes.length - filled, null);
      if (n <= 0) throw new Error(`${device} returned no bytes`);
      filled += n;
    }
  } finally {
    closeSync(fd);
  }
}
