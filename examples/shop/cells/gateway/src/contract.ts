import { defineContract, Type, unary } from '@cell/sdk';

/** The gateway's own membrane: how the nucleus (and you) can ask where HTTP is. */
export const gatewayContract = defineContract({
  name: 'gateway',
  version: '1.0.0',
  methods: {
    info: unary({ input: Type.Object({}), output: Type.Object({ url: Type.String() }) }),
  },
});
