// The contract of the probe cell: the cell's own module re-exports it, and the tests type their synapses with it.
// The same as test/fixtures/probe-tree's (which imports @cell/sdk, outside this package's build): keep them alike.
import { Type } from 'typebox';
import { defineContract, unary } from '@cell/contract';

const Attempt = Type.Object({ ok: Type.Boolean(), code: Type.Optional(Type.String()), text: Type.Optional(Type.String()) });
const Empty = Type.Object({});

/** The probe cell's contract (the test's synapse is typed from it). */
export const probeContract = defineContract({
  name: 'probe',
  version: '1.0.0',
  methods: {
    whoami: unary({ input: Empty, output: Type.Object({ pid: Type.Integer(), uid: Type.Integer(), hostname: Type.String(), home: Type.String(), cwd: Type.String() }) }),
    echo: unary({ input: Type.Object({ text: Type.String() }), output: Type.Object({ text: Type.String() }) }),
    read: unary({ input: Type.Object({ path: Type.String() }), output: Attempt }),
    write: unary({ input: Type.Object({ path: Type.String() }), output: Attempt }),
    connectTcp: unary({ input: Type.Object({ host: Type.String(), port: Type.Integer() }), output: Attempt }),
    spawnMany: unary({ input: Type.Object({ count: Type.Integer() }), output: Type.Object({ started: Type.Integer(), code: Type.Optional(Type.String()) }) }),
    allocate: unary({ input: Type.Object({ mb: Type.Integer() }), output: Type.Object({ mb: Type.Integer() }) }),
    forkBomb: unary({ input: Empty, output: Attempt }),
    env: unary({ input: Type.Object({ name: Type.String() }), output: Type.Object({ value: Type.Optional(Type.String()) }) }),
    httpGet: unary({ input: Type.Object({ url: Type.String() }), output: Attempt }),
  },
});
