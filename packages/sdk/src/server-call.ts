import type { CallHandle } from './call-context.ts';
import type { MethodEntry } from './method-table.ts';
import type { StreamCredit, StreamInbox } from './stream-flow.ts';

/**
 * One call being handled by a membrane. Its AbortController is created only if the handler
 * reads its signal: most never do, and one per call is measurable.
 */
export class ServerCall implements CallHandle {
  readonly entry: MethodEntry;
  readonly deadline: number;
  inbox: StreamInbox<unknown> | undefined;
  credit: StreamCredit | undefined;
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;

  constructor(entry: MethodEntry, deadline: number) {
    this.entry = entry;
    this.deadline = deadline;
  }

  get method(): string {
    return this.entry.name;
  }

  get signal(): AbortSignal {
    if (this.aborted && !this.controller) return AbortSignal.abort(this.reason);
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
