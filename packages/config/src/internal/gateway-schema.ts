import Type from 'typebox';
import type { GatewayConfig } from '../cell-config.ts';
import { parseHostPort } from './addresses.ts';
import type { BuildContext } from './build-context.ts';
import { KEBAB_NAME } from './cell-schema.ts';
import { parsed, sizeUnit, table } from './schema-kit.ts';

/** `[gateway]` (a tree's root): chosen cells' methods over HTTP/JSON, for callers without the SDK. */
export const GatewayTable = table({
  listen: parsed({ parse: parseHostPort, accepts: 'string' }, { default: '127.0.0.1:8080' }),
  cells: Type.Array(Type.String({ pattern: KEBAB_NAME, expected: 'a cell name' }), { minItems: 1, uniqueItems: true, expected: 'an array of the names of the cells it exposes, like ["orders", "catalog"]' }),
  max_body: parsed(sizeUnit({ bytes: 1, rule: 'a body limit must be at least 1B' }), { default: '1MiB' }),
});

/** `[gateway]` decoded; undefined when the tree has none. */
export function buildGateway(ctx: BuildContext): GatewayConfig | undefined {
  const t = ctx.decoded(['gateway'], GatewayTable);
  if (!t) return undefined;
  return { listen: t.listen, cells: [...t.cells], maxBodyBytes: t.max_body };
}
