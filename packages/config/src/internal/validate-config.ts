import type { CellConfig, ConfigProblem } from '../cell-config.ts';
import { BuildContext } from './build-context.ts';
import { buildCell } from './cell-schema.ts';
import { AuthTable, CellTomlSchema } from './cell-toml-schema.ts';
import { buildCells } from './cells-schema.ts';
import { buildDeps } from './deps-schema.ts';
import { buildEnv, buildSecrets } from './env-schema.ts';
import { buildGateway } from './gateway-schema.ts';
import { buildObserve } from './observe-schema.ts';
import { buildLifeCycle } from './life-cycle-schema.ts';
import { buildNetwork } from './network-schema.ts';
import { ProblemReport } from './problem-report.ts';
import { buildPorts, buildProcess } from './process-schema.ts';
import { buildResources } from './resources-schema.ts';
import { compiled } from './schema-kit.ts';
import { reportSchemaProblems } from './schema-problems.ts';

/**
 * Validates a parsed cell.toml: defaults from the schema, then the schema check, then each
 * table's build step (paths on disk, keys that depend on each other). Returns the config, or
 * every problem found (each with file, line and key).
 */
export function validateConfig(
  raw: Record<string, unknown>,
  file: string,
  dir: string,
  source: string,
): { config: CellConfig; problems: [] } | { config: undefined; problems: ConfigProblem[] } {
  const report = new ProblemReport(file, source);
  const document = compiled(CellTomlSchema).Default(structuredClone(raw));
  reportSchemaProblems(CellTomlSchema, document, report);

  const ctx = new BuildContext(dir, document, report);
  const cell = buildCell(ctx);
  const resources = buildResources(ctx);
  const lifeCycle = buildLifeCycle(ctx);
  const deps = buildDeps(ctx);
  const cells = buildCells(ctx);
  const auth = ctx.decoded(['auth'], AuthTable);
  const network = buildNetwork(ctx);
  const ports = buildPorts(ctx);
  const processCell = buildProcess(ctx, ports);
  const env = buildEnv(ctx);
  const secrets = buildSecrets(ctx);
  const gateway = buildGateway(ctx);
  const observe = buildObserve(ctx);

  if (report.count > 0 || !cell || !resources || !lifeCycle || !deps || !cells || !auth || !env || !secrets) {
    return { config: undefined, problems: report.problems() };
  }
  return {
    config: {
      file,
      dir,
      cell,
      resources,
      lifeCycle,
      deps: deps.deps,
      remoteDeps: deps.remoteDeps,
      cells,
      auth: { allowedKeys: auth.allowed_keys },
      network,
      process: processCell,
      ports,
      env,
      secrets,
      gateway,
      observe,
    },
    problems: [],
  };
}
