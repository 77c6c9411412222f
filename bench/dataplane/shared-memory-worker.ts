// One side of the shared-memory probe (see shared-memory.ts), in its own process; arguments:
//   serve  <mode> <socket> <segment dir> <bytes> <window>          prints {"ready":true}, echoes until killed
//   client <mode> <socket> <segment dir> <bytes> <window> <ms>     prints one JSON line of measures
// Modes: `socket` sends the payload over the Unix socket; `shared_copy` copies it into its slot of
// a segment of shared memory (a /dev/shm file both processes map) and sends a notice of the slot
// and length, the receiver copying it out into bytes of its own (what a call's payload is: the user
// keeps it); `shared_view` is the same, but the receiver reads the payload where it lies (no copy
// out: the bound a zero-copy junction could reach); `shared_file` writes the payload into the
// file at its slot and the receiver reads it out (no mapping: a peer that shrinks the file makes a
// short read, where a mapped read past its end would kill the process with SIGBUS).
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { borrowedReadsOf, listenUnix } from '@cell/wire';
import { join } from 'node:path';
import type Koffi from 'koffi';
import { round } from '../lib/stats.ts';
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

/**
 * A reader of length-prefixed messages: each body is copied once, as its bytes arrive, into a
 * buffer of its own of its exact size (the owned payload), as the data-plane baseline's frames
 * are. Keeps nothing of a chunk past the call (chunks come from a reused read buffer).
 */
function messageReader(onMessage: (body: Buffer) => void): (chunk: Buffer) => void {
  const head = Buffer.allocUnsafe(4);
  let headAt = 0;
  let body: Buffer | undefined;
  let bodyAt = 0;
  return (chunk) => {
    for (let offset = 0; offset < chunk.length; ) {
      if (body === undefined) {
        const take = Math.min(4 - headAt, chunk.length - offset);
        chunk.copy(head, headAt, offset, offset + take);
        headAt += take;
        offset += take;
        if (headAt < 4) return;
        body = Buffer.allocUnsafe(head.readUInt32LE(0));
        bodyAt = headAt = 0;
      }
      const take = Math.min(body.length - bodyAt, chunk.length - offset);
      chunk.copy(body, bodyAt, offset, offset + take);
      bodyAt += take;
      offset += take;
      if (bodyAt === body.length) {
        const done = body;
        body = undefined;
        onMessage(done);
      }
    }
  };
}

function header(bytes: number): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(bytes);
  return head;
}

/** One direction of the echo: how a payload leaves, and what the receiver makes of what arrived. */
interface Channel {
  /** Sends `payload` in `slot` (one of the window's payloads in flight). */
  send(payload: Uint8Array, slot: number): void;
  /** The payload of an arrived message as the receiver gets it, and its slot. */
  received(message: Buffer): { payload: Uint8Array; slot: number };
}

/** The notice a shared mode sends on the socket: the payload's slot and length. */
function notice(slot: number, bytes: number): Buffer {
  const message = Buffer.allocUnsafe(12);
  message.writeUInt32LE(8, 0);
  message.writeUInt32LE(slot, 4);
  message.writeUInt32LE(bytes, 8);
  return message;
}

/**
 * A channel whose payloads go through the segment files `outbound` and `inbound`, `bytes` per
 * slot (made by the client). Over the socket a reply comes back in order, so its slot is counted.
 */
function channel(mode: SharedMemoryMode, socket: Socket, outbound: string, inbound: string, bytes: number, slots: number, create: boolean): Channel {
  if (mode === 'socket') {
    let arrived = 0;
    return {
      send(payload) {
        socket.cork();
        socket.write(header(payload.length));
        socket.write(payload);
        socket.uncork();
      },
      received: (message) => ({ payload: message, slot: arrived++ % slots }),
    };
  }
  if (mode === 'shared_file') {
    const [out, into] = [outbound, inbound].map((path) => openSync(path, create ? 'w+' : 'r+', 0o600));
    if (create) for (const fd of [out!, into!]) ftruncateSync(fd, bytes * slots);
    return {
      send(payload, slot) {
        writeSync(out!, payload, 0, payload.length, slot * bytes);
        socket.write(notice(slot, payload.length));
      },
      received(message) {
        const slot = message.readUInt32LE(0);
        const length = message.readUInt32LE(4);
        const payload = Buffer.allocUnsafe(length);
        if (readSync(into!, payload, 0, length, slot * bytes) !== length) throw new Error('short read of the segment');
        return { payload, slot };
      },
    };
  }
  const [out, into] = [mapSegment(outbound, bytes * slots, create), mapSegment(inbound, bytes * slots, create)];
  return {
    send(payload, slot) {
      out.set(payload, slot * bytes);
      socket.write(notice(slot, payload.length));
    },
    received(message) {
      const slot = message.readUInt32LE(0);
      const lying = into.subarray(slot * bytes, slot * bytes + message.readUInt32LE(4));
      if (mode === 'shared_view') return { payload: lying, slot };
      const payload = Buffer.allocUnsafe(lying.length);
      payload.set(lying);
      return { payload, slot };
    },
  };
}

const segments = (dir: string) => ({ toServer: join(dir, 'to-server'), toClient: join(dir, 'to-client') });

async function serve(mode: SharedMemoryMode, path: string, dir: string, bytes: number, slots: number): Promise<void> {
  // Its sockets read into the process's shared read buffer, as the data-plane baseline's do.
  await listenUnix(
    path,
    (socket) => {
      const names = segments(dir);
      const echo = channel(mode, socket, names.toClient, names.toServer, bytes, slots, false);
      borrowedReadsOf(socket)!.attach(
        messageReader((message) => {
          const { payload, slot } = echo.received(message);
          echo.send(payload, slot);
        }),
      );
    },
    { borrowedReads: true },
  );
  process.on('SIGTERM', () => process.exit(0));
  console.log(JSON.stringify({ ready: true }));
}

/** Echoes of `bytes`, `window` in flight, for `ms` after as long a warm-up; prints MB/s (payload one way) and the client's CPU per echo. */
async function client(mode: SharedMemoryMode, path: string, dir: string, bytes: number, window: number, ms: number): Promise<void> {
  const names = segments(dir);
  // The segments exist before the connection: the server opens them as it comes. The client reads
  // into one reused buffer (Node's `onread`).
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  let onChunk: (chunk: Buffer) => void = () => undefined;
  const socket = new Socket({ onread: { buffer: readBuffer, callback: (n) => (onChunk(readBuffer.subarray(0, n)), true) } });
  const echo = channel(mode, socket, names.toServer, names.toClient, bytes, window, true);
  socket.connect(path);
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const payload = Buffer.alloc(bytes, 7);
  let run: { end: number; done: number; finish: () => void } | undefined;
  let inFlight = 0;
  onChunk = messageReader((message) => {
    const { payload: back, slot } = echo.received(message);
    if (back.length !== bytes || back[bytes - 1] !== 7) throw new Error('an echo came back wrong');
    inFlight--;
    run!.done++;
    if (performance.now() < run!.end) {
      inFlight++;
      echo.send(payload, slot);
    } else if (inFlight === 0) run!.finish();
  });
  const echoFor = (forMs: number) =>
    new Promise<number>((resolve) => {
      run = { end: performance.now() + forMs, done: 0, finish: () => resolve(run!.done) };
      for (let slot = 0; slot < window; slot++, inFlight++) echo.send(payload, slot);
    });
  await echoFor(ms); // warm-up
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const done = await echoFor(ms);
  const elapsed = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ mb_s: round((done * bytes) / 1e6 / (elapsed / 1000)), echoes: done, client_cpu_ms_per_echo: round((cpu.user + cpu.system) / 1000 / done, 3) }));
  socket.destroy();
}

const [role, mode, path, dir, bytes, window, ms] = process.argv.slice(2);
if (!SHARED_MEMORY_MODES.includes(mode as SharedMemoryMode)) throw new Error(`unknown mode ${mode}`);
if (role === 'serve') await serve(mode as SharedMemoryMode, path!, dir!, Number(bytes), Number(window));
else await client(mode as SharedMemoryMode, path!, dir!, Number(bytes), Number(window), Number(ms));
