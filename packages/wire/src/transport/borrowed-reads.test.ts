import { createServer, connect, type Server, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BorrowedReads, borrowedReadsOf, borrowReadsOfAccepted, markBorrowedReads } from './borrowed-reads.ts';
import { until } from '../test-support/until.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A server that writes `bytes` to each caller as soon as it connects, and the path it listens on. */
async function sender(bytes: Buffer): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cell-borrowed-'));
  const path = join(dir, 's.sock');
  const server: Server = createServer((s) => s.end(bytes));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanup.push(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return path;
}

function borrowingSocket(path: string): { socket: Socket; reads: BorrowedReads } {
  const reads = new BorrowedReads();
  const socket = connect({ path, onread: reads.onread });
  markBorrowedReads(socket, reads);
  cleanup.push(() => socket.destroy());
  return { socket, reads };
}

describe('BorrowedReads', () => {
  it('keeps (copies) the reads made before a handler attached, and hands them to it first', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const path = await sender(bytes);
    const { socket, reads } = borrowingSocket(path);
    expect(borrowedReadsOf(socket)).toBe(reads);
    await new Promise((resolve) => socket.once('end', resolve)); // everything arrived before anyone listened
    const got: Buffer[] = [];
    const kinds = new Set<boolean>();
    reads.attach((chunk, borrowed) => {
      kinds.add(borrowed);
      got.push(Buffer.from(chunk));
    });
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect([...kinds]).toEqual([false]);
  });

  it('hands later reads borrowed, in one buffer reused by every such socket (a handler copies what it keeps)', async () => {
    const a = Buffer.alloc(200_000, 1);
    const b = Buffer.alloc(200_000, 2);
    const [pa, pb] = [await sender(a), await sender(b)];
    const views = new Set<ArrayBufferLike>();
    const received = await Promise.all(
      [pa, pb].map(async (path) => {
        const { socket, reads } = borrowingSocket(path);
        const copies: Buffer[] = [];
        reads.attach((chunk, borrowed) => {
          if (borrowed) views.add(chunk.buffer);
          copies.push(Buffer.from(chunk));
        });
        await new Promise((resolve) => socket.once('end', resolve));
        return Buffer.concat(copies);
      }),
    );
    expect(received[0]!.equals(a)).toBe(true);
    expect(received[1]!.equals(b)).toBe(true);
    expect(views.size).toBe(1);
  });

  it('is absent on a socket that emits data events', () => {
    expect(borrowedReadsOf(new Socket())).toBeUndefined();
  });

  it('is given to an accepted socket not yet reading, and never to one already reading (it reads as usual)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cell-borrowed-'));
    const paths = [join(dir, 'paused.sock'), join(dir, 'reading.sock')];
    const verdicts: Array<BorrowedReads | undefined> = [];
    const data: string[] = [];
    const servers = [
      createServer({ pauseOnConnect: true }, (s) => void verdicts.push(borrowReadsOfAccepted(s))),
      createServer((s) => {
        verdicts.push(borrowReadsOfAccepted(s));
        s.on('data', (d: Buffer) => data.push(d.toString()));
      }),
    ];
    cleanup.push(() => {
      for (const s of servers) s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    for (const [i, server] of servers.entries()) {
      await new Promise<void>((resolve) => server.listen(paths[i], resolve));
      const c = connect(paths[i]!);
      cleanup.push(() => c.destroy());
      c.write('hello');
      await until(() => verdicts.length > i && (i === 0 || data.length > 0), 'the server accepting (and reading)');
    }
    expect(verdicts[0]).toBeInstanceOf(BorrowedReads);
    expect(verdicts[1]).toBeUndefined();
    expect(data.join('')).toBe('hello');
  });
});
