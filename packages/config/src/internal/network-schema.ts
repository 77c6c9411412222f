import { isIPv4 } from 'node:net';
import Type from 'typebox';
import type { NetworkConfig } from '../cell-config.ts';
import { describe } from '../units.ts';
import { bootstrapAddressProblem, type HostPort, isSameListenAddress, parseHostPort } from './addresses.ts';
import type { BuildContext } from './build-context.ts';
import { duration, nodeKeys, parsed, table } from './schema-kit.ts';

const DISCOVERY = ['mdns', 'gossip', 'dht'] as const;

const hostPort = (options: { default?: string } = {}) => parsed({ parse: parseHostPort, accepts: 'string' }, options);

/** `[network]` (root cell only): how this tree's node takes part in the network. */
export const NetworkTable = table({
  listen: hostPort({ default: '0.0.0.0:7700' }),
  p2p: Type.Optional(hostPort()),
  bootstrap: Type.Array(
    Type.Refine(Type.String({ message: (v: unknown) => bootstrapAddressProblem(v) ?? '' }), (v) => bootstrapAddressProblem(v) === undefined, (v) => bootstrapAddressProblem(v)!),
    { default: [], expected: 'an array of libp2p multiaddrs like "/ip4/203.0.113.7/tcp/7701/p2p/12D3KooW..."' },
  ),
  discovery: Type.Array(Type.Enum([...DISCOVERY], { message: (v: unknown) => `unknown discovery ${describe(v)}; expected ${DISCOVERY.join(', ')}` }), {
    default: [...DISCOVERY],
    expected: `an array of ${DISCOVERY.join(', ')}`,
  }),
  allowed_keys: nodeKeys(true),
  trusted_keys: nodeKeys(false),
  // Announcing in a tight loop would flood gossip and burn a CPU.
  announce_every: duration({ default: '10s', minMs: 100 }),
});

const LISTEN = ['network', 'listen'];
const P2P = ['network', 'p2p'];

/**
 * The control plane's address: `p2p`, or the listen host and port + 1. It must not take the
 * directory's port, and must be IPv4 (the control plane listens on `/ip4/<host>/tcp/<port>`).
 */
function controlPlaneAddress(ctx: BuildContext, listen: HostPort | undefined): HostPort | undefined {
  const p2p = ctx.decoded(P2P, NetworkTable.properties.p2p);
  if (ctx.raw(P2P) !== undefined) {
    if (!p2p || !listen) return undefined;
    if (isSameListenAddress(listen, p2p)) {
      ctx.add(P2P, `${describe(ctx.raw(P2P))} takes the same port as listen (${describe(ctx.raw(LISTEN))}); the directory and the control plane need a port each`);
      return undefined;
    }
    if (!isIPv4(p2p.host)) {
      ctx.add(P2P, `the p2p host must be an IPv4 address (the control plane listens on /ip4), got "${p2p.host}"`);
      return undefined;
    }
    return p2p;
  }
  if (!listen) return undefined;
  if (listen.port === 65535) {
    ctx.add(LISTEN, 'p2p defaults to the listen port + 1, and there is no port above 65535; set p2p');
    return undefined;
  }
  if (!isIPv4(listen.host)) {
    ctx.add(LISTEN, `p2p defaults to the listen host, which must then be an IPv4 address (the control plane listens on /ip4), got "${listen.host}"; set p2p`);
    return undefined;
  }
  return { host: listen.host, port: listen.port === 0 ? 0 : listen.port + 1 };
}

/** `[network]`, or undefined when the table is absent (local only). */
export function buildNetwork(ctx: BuildContext): NetworkConfig | undefined {
  if (ctx.raw(['network']) === undefined) return undefined;
  const p2p = controlPlaneAddress(ctx, ctx.decoded(LISTEN, NetworkTable.properties.listen));
  const t = ctx.decoded(['network'], NetworkTable);
  if (!t || !p2p) return undefined;
  return {
    listen: t.listen,
    p2p,
    bootstrap: t.bootstrap,
    discovery: t.discovery,
    allowedKeys: t.allowed_keys,
    trustedKeys: t.trusted_keys,
    announceEveryMs: t.announce_every,
  };
}
