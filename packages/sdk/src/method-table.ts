import { CellError } from '@cell/protocol';
import { compileValidator, type Contract } from '@cell/contract';
import { type MethodEntry, MethodStats, type Validator } from '@cell/wire';
import { launchSettings } from './launch.ts';

/** Compiles every method of a contract once into what the wire layer dispatches, and checks that each has a handler. */
export function buildMethodTable(contract: Contract, handlers: Record<string, unknown>): Map<string, MethodEntry> {
  const missing = Object.keys(contract.methods).filter((m) => typeof handlers[m] !== 'function');
  const extra = Object.keys(handlers).filter((h) => !Object.hasOwn(contract.methods, h));
  if (missing.length > 0 || extra.length > 0) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `handlers do not match contract ${contract.name}`, { details: { missing, extra } });
  }
  const table = new Map<string, MethodEntry>();
  for (const [name, def] of Object.entries(contract.methods)) {
    const errors = new Map<string, Validator>();
    for (const [code, schema] of Object.entries(def.errors)) errors.set(code, compileValidator(schema));
    table.set(name, {
      name,
      kind: def.kind,
      handler: handlers[name] as MethodEntry['handler'],
      input: compileValidator(def.input),
      output: def.kind === 'notify' ? undefined : compileValidator(def.output),
      errors,
      streamsIn: def.kind === 'clientStream' || def.kind === 'duplex',
      streamsOut: def.kind === 'serverStream' || def.kind === 'duplex',
      stats: new MethodStats(launchSettings().callStats),
    });
  }
  return table;
}

/** Compiled validators for a contract's events. */
export function buildEventTable(contract: Contract): Map<string, Validator> {
  const table = new Map<string, Validator>();
  for (const [name, schema] of Object.entries(contract.events)) table.set(name, compileValidator(schema));
  return table;
}
