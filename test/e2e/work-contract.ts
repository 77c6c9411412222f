import { defineContract, Type, unary } from '@cell/sdk';

/** The contract of the test cells of these scenarios (one definition, for the cells and the tests). */
export function workContract(name = 'work') {
  return defineContract({
    name,
    version: '1.0.0',
    methods: {
      echo: unary({ input: Type.Object({ n: Type.Integer() }), output: Type.Object({ n: Type.Integer() }) }),
      whoami: unary({ input: Type.Object({}), output: Type.Object({ pid: Type.Integer(), replica: Type.String(), version: Type.String() }) }),
      slow: unary({ input: Type.Object({ ms: Type.Integer() }), output: Type.Object({ pid: Type.Integer() }) }),
      eat: unary({ input: Type.Object({ mb: Type.Integer() }), output: Type.Object({ ate: Type.Integer() }) }),
    },
  });
}
