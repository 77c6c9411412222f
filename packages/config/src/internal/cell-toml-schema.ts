import Type from 'typebox';
import { CellTable } from './cell-schema.ts';
import { CellsTable } from './cells-schema.ts';
import { DepsTable } from './deps-schema.ts';
import { EnvTable, SecretsTable } from './env-schema.ts';
import { GatewayTable } from './gateway-schema.ts';
import { ObserveTable } from './observe-schema.ts';
import { BuildTable } from './process-schema.ts';
import { LifeCycleTable } from './life-cycle-schema.ts';
import { NetworkTable } from './network-schema.ts';
import { ResourcesTable } from './resources-schema.ts';
import { nodeKeys, table } from './schema-kit.ts';

/** `[auth]`: who may call this cell from other nodes. */
export const AuthTable = table({ allowed_keys: nodeKeys(true) }, { default: {} });

/** A whole cell.toml: one schema per table; each table's module also builds its part of the config. */
export const CellTomlSchema = table({
  cell: CellTable,
  resources: ResourcesTable,
  life_cycle: LifeCycleTable,
  deps: DepsTable,
  cells: CellsTable,
  auth: AuthTable,
  env: EnvTable,
  secrets: SecretsTable,
  network: Type.Optional(NetworkTable),
  gateway: Type.Optional(GatewayTable),
  observe: Type.Optional(ObserveTable),
  build: Type.Optional(BuildTable),
});
