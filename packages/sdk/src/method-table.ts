import { CellError } from '@cell/protocol';
import { type Contract, lazyValidator } from '@cell/contract';
import { type MethodEntry, MethodStats, type Validator } from '@cell/wire';
import { launchSettings } from './launch.ts';

/** Turns every method of a contract into what the wire layer dispatches (validators compiled on first use), and checks that each has a handler. */
export function buildMethodTable(contract: Contract, handlers: Record<string, unknown>): Map<string, MethodEntry> {
  const missing = Object.keys(contract.methods).filter((m) => typeof handlers[m] !== 'function');
  const extra = Object.keys(handlers).filter((h) => !Object.hasOwn(contract.methods, h));
  if (missing.length > 0 || extra.length > 0) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `handlers do not match contract ${contract.name}`, { details: { missing, extra } });
  }
  const table = new Map<string, MethodEntry>();
  for (const [name, def] of Object.entries(contract.methods)) {
    const errors = new Map<string, Validator>();
    // Compiled on first use: a method never called (or an error never raised) costs no start-up time.
    for (const [code, schema] of Object.entries(def.errors)) errors.set(code, lazyValidator(schema));
    table.set(name, {
      name,
      kind: def.kind,
      handler: handlers[name] as MethodEntry['handler'],
      input: lazyValidator(def.input),
      output: def.kind === 'notify' ? undefined : lazyValidator(def.output),
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
  for (const [name, schema] of Object.entries(contract.events)) table.set(name, lazyValidator(schema));
  return table;
}
