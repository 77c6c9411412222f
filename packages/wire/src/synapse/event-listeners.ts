import type { WireLogger } from '../logger.ts';

/** The listeners of a synapse's events, by event name; one failing listener never stops the others. */
export class EventListeners {
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly log: WireLogger;

  constructor(log: WireLogger) {
    this.log = log;
  }

  /** Adds a listener; returns the function that removes it. */
  on(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  dispatch(event: string, payload: unknown): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        l(payload);
      } catch (err) {
        this.log.error({ err, event }, 'event listener failed');
      }
    }
  }
}
