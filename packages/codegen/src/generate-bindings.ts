import type { Genome, GenomeMethod, JsonSchema } from '@cell/contract';
import { docComment, objectToTs, schemaToTs } from './schema-to-ts.ts';

/** `orders-v2` -> `OrdersV2` */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** `orders-v2` -> `ordersV2` */
export function camel(name: string): string {
  const p = pascal(name);
  return p[0]!.toLowerCase() + p.slice(1);
}

const BUILDERS: Record<GenomeMethod['kind'], string> = {
  unary: 'unary',
  serverStream: 'serverStream',
  clientStream: 'clientStream',
  duplex: 'duplex',
  notify: 'notify',
};

function isObjectSchema(s: JsonSchema): boolean {
  return (s['type'] === 'object' || s['properties'] !== undefined) && Object.keys((s['properties'] ?? {}) as object).length > 0;
}

/** Declares a named type for a schema: an interface for objects, an alias otherwise. */
function declare(name: string, schema: JsonSchema, lead: string): string {
  const doc = docComment(schema, '', lead);
  if (isObjectSchema(schema)) return `${doc}export interface ${name} ${objectToTs(schema, '')}\n`;
  return `${doc}export type ${name} = ${schemaToTs(schema, '')};\n`;
}

const LINE_CHARS = 96;

/** JSON as a person would format it: on one line when it fits, nested and indented when not. */
function json(value: unknown, indent: string): string {
  const flat = JSON.stringify(value);
  if (flat.length + indent.length <= LINE_CHARS || value === null || typeof value !== 'object') return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => `${inner}${json(v, inner)}`).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${json(v, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

/** Names of the generated types, unique within the file. */
class Names {
  private readonly used = new Set<string>(['Type', 'connect', 'defineContract']);

  take(wanted: string): string {
    let name = wanted;
    for (let i = 2; this.used.has(name); i++) name = `${wanted}${i}`;
    this.used.add(name);
    return name;
  }
}

/**
 * The source of `.cell/bindings/<dep>.ts`: named types for every method's input, output and
 * declared errors (documented with the producer's descriptions), the dependency's contract
 * rebuilt from its genome, and a `connect<Dep>()` that returns a synapse typed from it.
 */
export function generateBindings(depName: string, genome: Genome): string {
  const names = new Names();
  const types: string[] = [];
  const methods: string[] = [];
  const kinds = new Set<string>();
  const errorShapes = new Map<string, Set<string>>();
  for (const m of Object.values(genome.methods)) {
    for (const [code, s] of Object.entries(m.errors)) errorShapes.set(code, (errorShapes.get(code) ?? new Set()).add(JSON.stringify(s)));
  }
  const sharedErrors = new Map<string, string>();
  for (const [method, m] of Object.entries(genome.methods)) {
    kinds.add(BUILDERS[m.kind]);
    const M = pascal(method);
    const streamIn = m.kind === 'clientStream' || m.kind === 'duplex';
    const streamOut = m.kind === 'serverStream' || m.kind === 'duplex';
    const inName = names.take(`${M}Input${streamIn ? 'Item' : ''}`);
    types.push(declare(inName, m.input, `${streamIn ? 'Each item streamed into' : 'Input of'} \`${method}\`.`));
    let outName: string | undefined;
    if (m.output) {
      outName = names.take(`${M}Output${streamOut ? 'Item' : ''}`);
      types.push(declare(outName, m.output, `${streamOut ? 'Each item streamed out of' : 'Output of'} \`${method}\`.`));
    }
    const errorEntries: string[] = [];
    for (const [code, schema] of Object.entries(m.errors)) {
      const shared = (errorShapes.get(code)?.size ?? 0) === 1;
      let typeName = shared ? sharedErrors.get(code) : undefined;
      if (!typeName) {
        typeName = names.take(shared ? `${pascal(code)}Details` : `${M}${pascal(code)}Details`);
        if (shared) sharedErrors.set(code, typeName);
        types.push(declare(typeName, schema, `Details of the \`${code}\` error${shared ? '' : ` of \`${method}\``}.`));
      }
      errorEntries.push(`        ${code}: Type.Unsafe<${typeName}>(${json(schema, '        ')}),`);
    }
    const lines = [
      `${docComment(m.description ? { description: m.description } : undefined, '    ')}    ${method}: ${BUILDERS[m.kind]}({`,
      ...(m.description ? [`      description: ${JSON.stringify(m.description)},`] : []),
      `      input: Type.Unsafe<${inName}>(${json(m.input, '      ')}),`,
      ...(m.kind === 'notify' ? [] : [`      output: Type.Unsafe<${outName}>(${json(m.output, '      ')}),`]),
      ...(errorEntries.length > 0 ? ['      errors: {', ...errorEntries, '      },'] : []),
      '    }),',
    ];
    methods.push(lines.join('\n'));
  }
  const events: string[] = [];
  for (const [event, e] of Object.entries(genome.events ?? {})) {
    const typeName = names.take(`${pascal(event)}Event`);
    types.push(declare(typeName, e.payload, `Payload of the \`${event}\` event.`));
    events.push(`    ${event}: Type.Unsafe<${typeName}>(${json(e.payload, '    ')}),`);
  }
  const contractName = `${camel(depName)}Contract`;
  const connectName = `connect${pascal(depName)}`;
  const builders = [...kinds].sort();
  return `// Generated by \`cell types\` from the genome of ${genome.name}@${genome.version}. Do not edit:
// \`cell build\`, \`cell mitosis\` and \`cell types\` rewrite it. The genome it was built from is
// recorded in this cell's cell.lock.
import { ${['connect', 'defineContract', ...builders, 'Type'].join(', ')}, type ConnectOptions, type Synapse } from '@cell/sdk';

${types.join('\n')}
${docComment(genome.description ? { description: genome.description } : undefined, '', `The contract of the \`${depName}\` dependency (${genome.name}@${genome.version}).`)}export const ${contractName} = defineContract({
  name: ${JSON.stringify(genome.name)},
  version: ${JSON.stringify(genome.version)},
${genome.description ? `  description: ${JSON.stringify(genome.description)},\n` : ''}  methods: {
${methods.join('\n')}
  },${events.length > 0 ? `\n  events: {\n${events.join('\n')}\n  },` : ''}
});

/** Fingerprint of the genome these bindings were generated from. */
export const ${camel(depName)}Fingerprint = ${JSON.stringify(genome.fingerprint)};

/**
 * A typed client of the \`${depName}\` dependency: calls go to its ready replicas, fail over
 * between them, and start it when it is not running.
 */
export function ${connectName}(options: Omit<ConnectOptions, 'cell' | 'socketPath'> = {}): Synapse<typeof ${contractName}> {
  return connect(${contractName}, { ...options, cell: ${JSON.stringify(depName)} });
}
`;
}
