import type { Handlers } from '../contract-types.ts';
import type { Membrane } from '../membrane.ts';
import type { echoContract } from './echo-contract.ts';

/** Records what the handlers observed, for assertions. */
export const observed = { aborted: 0, produced: 0, notes: [] as string[] };

/** Handlers for the echo contract. */
export function echoHandlers(membrane: () => Membrane<typeof echoContract> | undefined): Handlers<typeof echoContract> {
  return {
    echo: ({ text }) => ({ text }),
    divide: ({ a, b }, ctx) => {
      if (b === 0) throw ctx.fail('DivideByZero', { dividend: a }, 'cannot divide by zero');
      return a / b;
    },
    crash: () => {
      throw new Error('boom');
    },
    wait: ({ ms }, ctx) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ aborted: false }), ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          observed.aborted++;
          resolve({ aborted: true });
        });
      }),
    async *count({ to }) {
      for (let i = 1; i <= to; i++) {
        observed.produced++;
        yield i;
      }
    },
    async sum(items) {
      let total = 0;
      for await (const n of items) total += n;
      return total;
    },
    async hold(items, ctx) {
      const it = items[Symbol.asyncIterator]();
      await it.next();
      await new Promise((r) => setTimeout(r, 200));
      return ctx.signal.aborted ? 0 : 1;
    },
    async *upper(words) {
      for await (const w of words) yield w.toUpperCase();
    },
    blob: ({ bytes }) => 'x'.repeat(bytes),
    note: ({ text }) => {
      observed.notes.push(text);
      membrane()?.emit('noted', { text });
    },
  };
}
