import type { ServerHello } from '../connection/handshake.ts';

/** A membrane's last HELLO as this process saw it, and how long that handshake took. */
export interface RememberedHello {
  hello: ServerHello;
  handshakeMs: number;
}

/** Endpoints remembered at most (the oldest is forgotten first). */
const MAX_REMEMBERED = 1024;

/**
 * The last HELLO of each membrane this process reached, by endpoint: a caller that reached a
 * membrane before sends its first calls on a new connection together with its own HELLO, without
 * waiting a round trip for the membrane's (see `FLAG_EARLY`).
 */
export class HelloCache {
  private readonly entries = new Map<string, RememberedHello>();
  private readonly capacity: number;

  constructor(capacity = MAX_REMEMBERED) {
    this.capacity = capacity;
  }

  /** What `endpoint` said last, when it takes calls with the handshake. */
  recall(endpoint: string): RememberedHello | undefined {
    const found = this.entries.get(endpoint);
    return found?.hello.early === true ? found : undefined;
  }

  remember(endpoint: string, hello: ServerHello, handshakeMs: number): void {
    // The membrane said the very HELLO remembered (parsed once: see HelloMemo): nothing changes.
    if (this.entries.get(endpoint)?.hello === hello) return;
    this.entries.delete(endpoint); // newest last: the first key is the oldest
    this.entries.set(endpoint, { hello, handshakeMs });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(endpoint: string): void {
    this.entries.delete(endpoint);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** This process's memory of the membranes it reached. */
export const processHellos = new HelloCache();
