import { CellError, FLAG_EARLY, toCellError } from '@cell/protocol';
import type { Clock } from '../clock.ts';
import type { ServerHello } from '../connection/handshake.ts';
import { serverHellos } from '../connection/hello-memo.ts';
import { type HelloCache, processHellos, type RememberedHello } from './hello-cache.ts';
import { noHandshakeReply, type OpenedConnection } from './synapse-handshake.ts';

/** What the HELLO memory of a connection needs to know. */
export interface HelloMemoryConfig {
  /** The endpoint, as the cache knows it: a membrane reached before gets the first calls with our HELLO. None: nothing is remembered. */
  helloKey?: string | undefined;
  /** Where HELLOs are remembered (default: this process's). */
  hellos?: HelloCache | undefined;
  /** The genome the caller was built against; a caller with one closes when the cell changed. */
  fingerprint: string | undefined;
  /** The cell the caller means to reach. */
  target: string | undefined;
  handshakeTimeoutMs: number;
  clock: Clock;
}

/**
 * The handshake of one caller connection seen from after it opened: what it remembers of the
 * membrane for the next connection, and — when it was opened on a remembered HELLO — the wait for
 * the membrane's own. Until that arrives, unary calls carry FLAG_EARLY (streams, notifications and
 * `$connect` wait): the membrane runs them only if our HELLO named its genome. When it arrives, a
 * caller built against a genome closes if the cell changed: those calls were not run, so they
 * fail as not run early (`details.early`), and the pool sends them again on a connection that
 * checks the new genome first. A caller without a genome checks nothing, so it goes on.
 */
export class LateHello {
  /** FLAG_EARLY while the membrane's HELLO is awaited, then 0: the flags of calls sent now. */
  flag: number;
  private readonly config: HelloMemoryConfig;
  private readonly hellos: HelloCache;
  private readonly handshakeMs: number;
  private readonly timer: unknown;
  private waiters: Array<{ resolve: () => void; reject: (error: CellError<string>) => void }> = [];

  /**
   * What `config`'s endpoint said last, when it takes calls with the handshake and served the
   * genome we were built against (a cell that differs is checked first, on a full handshake).
   */
  static recall(config: HelloMemoryConfig): RememberedHello | undefined {
    const found = config.helloKey === undefined ? undefined : (config.hellos ?? processHellos).recall(config.helloKey);
    if (!found) return undefined;
    if (config.fingerprint !== undefined && found.hello.fingerprint !== config.fingerprint) return undefined;
    return config.target === undefined || found.hello.name === config.target ? found : undefined;
  }

  /** `onTimeout` runs when the awaited HELLO does not come within the handshake timeout. */
  constructor(opened: OpenedConnection, config: HelloMemoryConfig, onTimeout: (error: CellError<string>) => void) {
    this.config = config;
    this.hellos = config.hellos ?? processHellos;
    this.handshakeMs = opened.handshakeMs;
    this.flag = opened.early ? FLAG_EARLY : 0;
    if (opened.early) {
      this.timer = config.clock.setTimer(() => onTimeout(noHandshakeReply(config.handshakeTimeoutMs)), config.handshakeTimeoutMs);
    } else this.remember(opened.hello);
  }

  /** The membrane's HELLO arrived: the one to go on with, an error to close with, or undefined when none was awaited. */
  arrived(remembered: ServerHello, body: Buffer | undefined): ServerHello | CellError<string> | undefined {
    if (this.flag === 0) return undefined;
    this.settle();
    let hello: ServerHello;
    try {
      hello = serverHellos.read(body);
    } catch (err) {
      return toCellError(err, 'CELL_E_PROTOCOL');
    }
    if (this.config.fingerprint !== undefined && (hello.name !== remembered.name || hello.fingerprint !== remembered.fingerprint)) {
      this.forget();
      return new CellError('CELL_E_UNAVAILABLE', `${remembered.name} changed since this process last reached it (now ${hello.name}@${hello.version}); calling again after checking its genome`, {
        details: { early: true },
      });
    }
    this.remember(hello);
    for (const w of this.waiters.splice(0)) w.resolve();
    return hello;
  }

  /** Resolves once the membrane's own HELLO arrived (at once when none is awaited); rejects when the connection closes first. */
  wait(): Promise<void> {
    return this.flag === 0 ? Promise.resolve() : new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * The connection closed (with `reason`, which fails whoever waits). Closed before the HELLO came
   * (refused, timed out, or a membrane that no longer takes flagged calls), the endpoint is
   * forgotten: the next connection waits for its HELLO. Calls sent meanwhile are not sent again
   * (they may have run), as with any connection lost with calls in flight.
   */
  stop(reason: () => CellError<string>): void {
    if (this.flag !== 0) this.forget();
    this.settle();
    if (this.waiters.length > 0) {
      const error = reason();
      for (const w of this.waiters.splice(0)) w.reject(error);
    }
  }

  private settle(): void {
    this.flag = 0;
    this.config.clock.clearTimer(this.timer);
  }

  private forget(): void {
    if (this.config.helloKey !== undefined) this.hellos.forget(this.config.helloKey);
  }

  private remember(hello: ServerHello): void {
    if (this.config.helloKey !== undefined) this.hellos.remember(this.config.helloKey, hello, this.handshakeMs);
  }
}
