import { AsyncLocalStorage } from 'node:async_hooks';

/** What nested calls inherit from the call being handled: its trace and deadline. */
export interface CallScope {
  /** 16-byte trace id. */
  readonly traceId: Buffer;
  /** Absolute deadline (epoch ms), if any. */
  readonly deadline: number | undefined;
}

const storage = new AsyncLocalStorage<CallScope>();

/** Runs `fn` so that calls it makes carry `scope`'s trace and never outlive its deadline. */
export function runInCallScope<T>(scope: CallScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope of the handler currently running, if any. */
export function currentCallScope(): CallScope | undefined {
  return storage.getStore();
}
