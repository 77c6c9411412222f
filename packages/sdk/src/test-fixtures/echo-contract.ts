import { Type } from 'typebox';
import { defineContract, unary, serverStream, clientStream, duplex, notify } from '@cell/contract';

/** A contract exercising every method kind, used by the SDK's tests and fuzzers. */
export const echoContract = defineContract({
  name: 'echo',
  version: '1.0.0',
  description: 'Test cell that echoes and streams.',
  methods: {
    echo: unary({ input: Type.Object({ text: Type.String() }), output: Type.Object({ text: Type.String() }) }),
    divide: unary({
      input: Type.Object({ a: Type.Number(), b: Type.Number() }),
      output: Type.Number(),
      errors: { DivideByZero: Type.Object({ dividend: Type.Number() }) },
      description: 'a / b, refusing b = 0',
    }),
    crash: unary({ input: Type.Object({}), output: Type.Null() }),
    wait: unary({ input: Type.Object({ ms: Type.Integer({ minimum: 0 }) }), output: Type.Object({ aborted: Type.Boolean() }) }),
    count: serverStream({ input: Type.Object({ to: Type.Integer({ minimum: 0 }) }), output: Type.Integer() }),
    sum: clientStream({ input: Type.Number(), output: Type.Number() }),
    hold: clientStream({ input: Type.String(), output: Type.Integer(), description: 'reads one item, then stalls' }),
    upper: duplex({ input: Type.String(), output: Type.String() }),
    blob: unary({ input: Type.Object({ bytes: Type.Integer({ minimum: 0, maximum: 1_000_000 }) }), output: Type.String() }),
    note: notify({ input: Type.Object({ text: Type.String() }) }),
  },
  events: { noted: Type.Object({ text: Type.String() }) },
});
