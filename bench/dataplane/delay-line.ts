// A Unix-socket proxy that holds every chunk for a while in each direction: another host at a
// round trip of twice `delayMs`, simulated in user space (this kernel has no netem). Bytes keep
// their order; nothing limits how much it holds.
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface DelayLine {
  close(): Promise<void>;
}

function forward(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk: Buffer) => setTimeout(() => to.write(chunk), delayMs));
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.end(), delayMs));
}

/** Listens on `path` and carries each connection to `target`, `delayMs` late each way. */
export async function startDelayLine(path: string, target: string, delayMs: number): Promise<DelayLine> {
  rmSync(path, { force: true });
  const open = new Set<Socket>();
  const server: Server = createServer((near) => {
    const far = connect(target);
    for (const s of [near, far]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    forward(near, far, delayMs);
    forward(far, near, delayMs);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
