// One side of the shared-memory probe (see shared-memory.ts), in its own process; arguments:
//   serve  <mode> <socket> <segment dir> <bytes>              prints {"ready":true}, echoes until killed
//   client <mode> <socket> <segment dir> <bytes> <echoes>     prints one JSON line of measures
// Modes: `socket` sends the payload over the Unix socket; `shared_copy` copies it into a segment
// of shared memory (a /dev/shm file both processes map) and sends an 8-byte notice, the receiver
// copying it out into bytes of its own (what a call's payload is: the user keeps it); `shared_view`
// is the same, but the receiver reads the payload where it lies (no copy out: the bound a
// zero-copy junction could reach); `shared_file` writes the payload into the segment's file and the
// receiver reads it out (no mapping: a peer that shrinks the file makes a short read, where a
// mapped read past its end would kill the process with SIGBUS).
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import type Koffi from 'koffi';
import { quantile, round } from '../lib/stats.ts';
import { SHARED_MEMORY_MODES, type SharedMemoryMode } from './shared-memory.ts';

const koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
const mmap = koffi.load('libc.so.6').func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)') as (
  addr: null,
  length: number,
  prot: number,
  flags: number,
  fd: number,
  offset: number,
) => unknown;
const PROT_READ_WRITE = 0x1 | 0x2;
const MAP_SHARED = 0x1;

/** Maps the file `path` (made `bytes` long when `create`) into this process, shared with every process mapping it. */
function mapSegment(path: string, bytes: number, create: boolean): Buffer {
  const fd = openSync(path, create ? 'w+' : 'r+', 0o600);
  try {
    if (create) ftruncateSync(fd, bytes);
    const address = mmap(null, bytes, PROT_READ_WRITE, MAP_SHARED, fd, 0);
    if (koffi.address(address) === 2n ** 64n - 1n) throw new Error(`mmap of ${path} failed`);
    return Buffer.from(koffi.view(address, bytes));
  } finally {
    closeSync(fd);
  }
}

/** Calls `onMessage` with each length-prefixed message read from `socket`, assembled in one reused buffer. */
function readMessages(socket: Socket, maxBytes: number, onMessage: (body: Buffer) => void): void {
  const buffer = Buffer.allocUnsafe(maxBytes + 4);
  let at = 0;
  socket.on('data', (chunk: Buffer) => {
    for (let offset = 0; offset < chunk.length; ) {
      const want = at < 4 ? 4 : 4 + buffer.readUInt32LE(0);
      const take = Math.min(chunk.length - offset, want - at);
      chunk.copy(buffer, at, offset, offset + take);
      at += take;
      offset += take;
      if (at >= 4 && at === 4 + buffer.readUInt32LE(0)) {
        onMessage(buffer.subarray(4, at));
        at = 0;
      }
    }
  });
}

function header(bytes: number): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(bytes);
  return head;
}

/** One direction of the echo: how a payload leaves, and what the receiver makes of what arrived. */
interface Channel {
  send(payload: Uint8Array): void;
  /** The payload of an arrived message, as the receiver gets it. */
  received(message: Buffer): Uint8Array;
}

/** The notice a shared mode sends on the socket: the payload's length. */
function notice(bytes: number): Buffer {
  const message = Buffer.allocUnsafe(8);
  message.writeUInt32LE(4, 0);
  message.writeUInt32LE(bytes, 4);
  return message;
}

/** A channel whose payloads go through the segment files `outbound` and `inbound` (made `bytes` long by the client). */
function channel(mode: SharedMemoryMode, socket: Socket, outbound: string, inbound: string, bytes: number, create: boolean): Channel {
  if (mode === 'socket')
    return {
      send(payload) {
        socket.cork();
        socket.write(header(payload.length));
        socket.write(payload);
        socket.uncork();
      },
      received: (message) => Buffer.from(message),
    };
  if (mode === 'shared_file') {
    const [out, into] = [outbound, inbound].map((path) => openSync(path, create ? 'w+' : 'r+', 0o600));
    return {
      send(payload) {
        writeSync(out!, payload, 0, payload.length, 0);
        socket.write(notice(payload.length));
      },
      received(message) {
        const length = message.readUInt32LE(0);
        const bytes = Buffer.allocUnsafe(length);
        if (readSync(into!, bytes, 0, length, 0) !== length) throw new Error('short read of the segment');
        return bytes;
      },
    };
  }
  const [out, into] = [mapSegment(outbound, bytes, create), mapSegment(inbound, bytes, create)];
  return {
    send(payload) {
      out.set(payload, 0);
      socket.write(notice(payload.length));
    },
    received(message) {
      const payload = into.subarray(0, message.readUInt32LE(0));
      return mode === 'shared_copy' ? Buffer.from(payload) : payload;
    },
  };
}

const segments = (dir: string) => ({ toServer: join(dir, 'to-server'), toClient: join(dir, 'to-client') });
const maxMessage = (mode: SharedMemoryMode, bytes: number) => (mode === 'socket' ? bytes : 4);

function serve(mode: SharedMemoryMode, path: string, dir: string, bytes: number): void {
  createServer((socket) => {
    socket.setNoDelay(true);
    const names = segments(dir);
    const echo = channel(mode, socket, names.toClient, names.toServer, bytes, false);
    readMessages(socket, maxMessage(mode, bytes), (message) => echo.send(echo.received(message)));
  }).listen(path, () => console.log(JSON.stringify({ ready: true })));
  process.on('SIGTERM', () => process.exit(0));
}

async function client(mode: SharedMemoryMode, path: string, dir: string, bytes: number, echoes: number): Promise<void> {
  const names = segments(dir);
  // The segments exist before the connection: the server opens them as it comes.
  const socket = new Socket();
  const echo = channel(mode, socket, names.toServer, names.toClient, bytes, true);
  socket.connect(path);
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const payload = Buffer.alloc(bytes, 7);
  let next: ((received: Uint8Array) => void) | undefined;
  readMessages(socket, maxMessage(mode, bytes), (message) => next!(echo.received(message)));
  const once = () =>
    new Promise<Uint8Array>((resolve) => {
      next = resolve;
      echo.send(payload);
    });
  const warmUpEnd = performance.now() + 500;
  while (performance.now() < warmUpEnd) await once();
  const times = new Float64Array(echoes);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < echoes; i++) {
    const t = performance.now();
    const received = await once();
    times[i] = performance.now() - t;
    if (received.length !== bytes || received[bytes - 1] !== 7) throw new Error(`echo ${i} came back wrong`);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort();
  const p50 = quantile(times, 0.5);
  console.log(JSON.stringify({ round_trip_ms: round(p50, 3), mb_s: round(bytes / 1e6 / (p50 / 1000)), client_cpu_ms: round((cpu.user + cpu.system) / 1000 / echoes, 3) }));
  socket.destroy();
}

const [role, mode, path, dir, bytes, echoes] = process.argv.slice(2);
if (!SHARED_MEMORY_MODES.includes(mode as SharedMemoryMode)) throw new Error(`unknown mode ${mode}`);
if (role === 'serve') serve(mode as SharedMemoryMode, path!, dir!, Number(bytes));
else await client(mode as SharedMemoryMode, path!, dir!, Number(bytes), Number(echoes));
