import { decodeBody } from '@cell/protocol';
import { type ClientHello, parseClientHello, parseServerHello, type ServerHello } from './handshake.ts';

/** Distinct HELLOs remembered per side: the callers of one cell say one of a few things. */
const REMEMBERED_HELLOS = 16;

/**
 * The HELLOs parsed lately, by their exact bytes. Peers say the same HELLO on every connection
 * (a pool's callers, a membrane's one answer): bytes seen before are not decoded and checked
 * again, which was ~1-1.5 µs of each connection's setup on each side. Only a HELLO that parsed
 * is remembered; a malformed one is refused, with its reasons, every time it comes. Parsing is a
 * pure function of the bytes, so the remembered result is what parsing them again would give;
 * it is frozen, being shared by every connection that said it.
 */
export class HelloMemo<T extends object> {
  private readonly parse: (body: unknown) => T;
  private readonly capacity: number;
  private readonly entries: Array<{ bytes: Buffer; value: T }> = [];
  /** The slot the next new HELLO takes once all are used (oldest first). */
  private next = 0;

  constructor(parse: (body: unknown) => T, capacity = REMEMBERED_HELLOS) {
    this.parse = parse;
    this.capacity = capacity;
  }

  /** The parsed HELLO in `body` (msgpack); throws CELL_E_PROTOCOL as parsing does. */
  read(body: Buffer | undefined): T {
    if (body === undefined) return this.parse(undefined);
    for (const e of this.entries) if (e.bytes.equals(body)) return e.value;
    const value = Object.freeze(this.parse(decodeBody(body)));
    const entry = { bytes: Buffer.from(body), value };
    if (this.entries.length < this.capacity) this.entries.push(entry);
    else {
      this.entries[this.next] = entry;
      this.next = (this.next + 1) % this.capacity;
    }
    return value;
  }
}

/** This process's memory of the callers' HELLOs its membranes read. */
export const clientHellos = new HelloMemo<ClientHello>(parseClientHello);
/** This process's memory of the membranes' HELLOs its callers read. */
export const serverHellos = new HelloMemo<ServerHello>(parseServerHello);
