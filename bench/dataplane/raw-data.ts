// The data-plane baseline: the best raw server and client we can write over node:net with Cell's
// frame layout and msgpackr (callback-driven; see raw-frames.ts). No handshake, validation,
// deadlines, credit or contexts: the physical limit Cell is measured against.
import { connect as netConnect, type Socket } from 'node:net';
import { Packr } from 'msgpackr';
import { borrowedReadsOf, listenUnix } from '@cell/wire';
import { FrameWriter, frameReader, KIND_REQUEST, KIND_RESPONSE, KIND_STREAM_DATA, KIND_STREAM_END, type OnFrame } from './raw-frames.ts';
import { SMALL, type DataClient, type DataSystem } from './system.ts';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'number', moreTypes: false });
const NAMES = { small: Buffer.from('small'), blob: Buffer.from('blob'), items: Buffer.from('items'), bytes: Buffer.from('bytes') };
/** A stream producer pauses while this much is queued on the socket. */
const STREAM_BACKLOG_BYTES = 1 << 20;

function serveSocket(socket: Socket): void {
  const out = new FrameWriter(socket);
  const streamItems = (id: number, count: number) => {
    let i = 0;
    const pump = () => {
      while (i < count) {
        out.add(KIND_STREAM_DATA, id, undefined, packr.pack({ n: i++, text: SMALL.text }));
        if (out.buffered >= 64 * 1024 && !out.flush()) return void socket.once('drain', pump);
      }
      out.add(KIND_STREAM_END, id, undefined, undefined);
      out.flush();
    };
    pump();
  };
  const streamBytes = (id: number, total: number, size: number) => {
    const chunk = Buffer.alloc(size, 7);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const n = Math.min(size, total - sent);
        out.addBin(KIND_STREAM_DATA, id, undefined, n === size ? chunk : chunk.subarray(0, n));
        sent += n;
        if (socket.writableLength >= STREAM_BACKLOG_BYTES) return void socket.once('drain', pump);
      }
      out.add(KIND_STREAM_END, id, undefined, undefined);
      out.flush();
    };
    pump();
  };
  // Reads into one buffer reused for every read (as Cell's membrane reads); a body that lies in it
  // is overwritten by the next read, so one sent back later is copied first.
  const reads = borrowedReadsOf(socket);
  const shared = reads?.onread.buffer.buffer;
  const owned = (b: Uint8Array) => (b.buffer === shared ? Buffer.from(b) : b);
  const read = frameReader((kind, id, name, body) => {
    if (kind !== KIND_REQUEST) return;
    const value = packr.unpack(body) as Record<string, number>;
    if (name === 'small') out.add(KIND_RESPONSE, id, undefined, packr.pack(value));
    else if (name === 'blob') out.addBin(KIND_RESPONSE, id, undefined, owned(value as unknown as Uint8Array));
    else if (name === 'items') streamItems(id, value['count']!);
    else if (name === 'bytes') streamBytes(id, value['total']!, value['chunk']!);
  });
  const onChunk = (chunk: Buffer) => {
    read(chunk);
    out.flush();
  };
  if (reads) reads.attach(onChunk);
  else socket.on('data', onChunk);
  socket.on('error', () => socket.destroy());
}

/** Reads of the client land here, each handled before the next (a frame's body is valid only in its callback). */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

function rawClient(socket: Socket, reads: { handle: (chunk: Buffer) => void }): DataClient {
  const out = new FrameWriter(socket);
  let onFrame: OnFrame = () => undefined;
  const read = frameReader((k, id, n, b) => onFrame(k, id, n, b));
  reads.handle = (chunk) => {
    read(chunk);
    out.flush();
  };
  let nextId = 1;
  return {
    pingPong(count) {
      return new Promise((resolve) => {
        const times = new Float64Array(count);
        let i = 0;
        let t = 0;
        const send = () => {
          t = performance.now();
          out.add(KIND_REQUEST, nextId++, NAMES.small, packr.pack(SMALL));
        };
        onFrame = (_kind, _id, _name, body) => {
          packr.unpack(body);
          times[i++] = (performance.now() - t) * 1000;
          if (i === count) resolve(times);
          else send();
        };
        send();
        out.flush();
      });
    },
    pipelined(payload, window, count, ms) {
      return new Promise((resolve) => {
        const end = performance.now() + ms;
        const bin = payload instanceof Uint8Array;
        let sent = 0;
        let done = 0;
        const send = () => {
          sent++;
          if (bin) out.addBin(KIND_REQUEST, nextId++, NAMES.blob, payload);
          else out.add(KIND_REQUEST, nextId++, NAMES.small, packr.pack(payload));
        };
        onFrame = (_kind, _id, _name, body) => {
          packr.unpack(body);
          done++;
          if (sent < count && performance.now() < end) send();
          else if (done === sent) resolve(done);
        };
        for (let w = 0; w < window; w++) send();
        out.flush();
      });
    },
    items(count) {
      return new Promise((resolve) => {
        let n = 0;
        onFrame = (kind, _id, _name, body) => {
          if (kind === KIND_STREAM_END) return resolve(n);
          packr.unpack(body);
          n++;
        };
        out.add(KIND_REQUEST, nextId++, NAMES.items, packr.pack({ count }));
        out.flush();
      });
    },
    bytes(total, chunk) {
      return new Promise((resolve) => {
        let got = 0;
        onFrame = (kind, _id, _name, body) => {
          if (kind === KIND_STREAM_END) return resolve(got);
          got += (packr.unpack(body) as Uint8Array).length;
        };
        out.add(KIND_REQUEST, nextId++, NAMES.bytes, packr.pack({ total, chunk }));
        out.flush();
      });
    },
    close: async () => void socket.destroy(),
  };
}

export const raw: DataSystem = {
  async serve(path) {
    // Its sockets read into the shared buffer from their first read, as a membrane's do.
    await listenUnix(path, serveSocket, { borrowedReads: true });
  },
  async connect(path) {
    const reads = { handle: (_chunk: Buffer): void => undefined };
    const socket = netConnect({ path, onread: { buffer: readBuffer, callback: (n) => (reads.handle(readBuffer.subarray(0, n)), true) } });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return rawClient(socket, reads);
  },
};
