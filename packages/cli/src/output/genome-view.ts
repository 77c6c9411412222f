import type { GenomeMethod, JsonSchema } from '@cell/contract';
import type { CellDescription } from '../commands/describe.ts';
import { color } from './cli-error.ts';
import { schemaType } from './schema-type.ts';

const SOURCE: Record<string, string> = {
  live: 'from the running cell',
  source: 'read from its source',
  recorded: 'of its last build',
  lock: 'from cell.lock',
};

/** A method as a TypeScript-like signature: `place(input: { sku: string }): { id: string }`, streams as `stream<T>`. */
export function methodSignature(name: string, m: GenomeMethod, width: number): string {
  const type = (s: JsonSchema | undefined) => schemaType(s, { width: Math.max(40, width - name.length - 12), indent: '  ' });
  const streamsIn = m.kind === 'clientStream' || m.kind === 'duplex';
  const streamsOut = m.kind === 'serverStream' || m.kind === 'duplex';
  const input = streamsIn ? `stream<${type(m.input)}>` : type(m.input);
  const output = m.kind === 'notify' ? 'void' : streamsOut ? `stream<${type(m.output)}>` : type(m.output);
  return `${name}(input: ${input}): ${output}${m.kind === 'notify' ? color('gray', '  (notify: no reply)') : ''}`;
}

function replicasLine(d: CellDescription): string {
  const { wanted, running } = d.replicas;
  if (wanted === 0) return d.children.length > 0 ? `none: a group of cells (${d.children.join(', ')})` : 'none: no entry';
  if (!running) return `${wanted} wanted (no running tree runs it)`;
  const ports = (r: { ports: Record<string, number> }) => Object.entries(r.ports).map(([name, port]) => ` ${name} :${port}`).join('');
  return [`${wanted} wanted`, ...running.map((r) => `${r.id} ${r.state}${r.pid === null ? '' : ` pid ${r.pid}`}${ports(r)}`)].join(' · ');
}

/** A process cell's command, user, readiness; its ports, variables and secrets (names only). */
function runLines(d: CellDescription): string[] {
  const lines: string[] = [];
  const p = d.process;
  if (p) lines.push(`  runs         ${p.run.join(' ')}${p.user ? color('gray', `  (as ${p.user})`) : ''}`, `  ready        ${p.ready}; stopped with ${p.stopSignal}`);
  if (d.ports.length > 0) lines.push(`  ports        ${d.ports.map((x) => (x.port === 0 ? x.name : `${x.name} = ${x.port}`)).join(', ')}${color('gray', '  (PORT, PORT_<NAME>)')}`);
  if (d.env.length > 0) lines.push(`  env          ${d.env.join(', ')}`);
  if (d.secrets.length > 0) lines.push(`  secrets      ${d.secrets.join(', ')}`);
  return lines;
}

/** The human form of `cell describe`. */
export function formatDescription(d: CellDescription, width = 100): string {
  const g = d.genome;
  const lines = [`${color('bold', d.cell)} ${d.version}${g ? color('gray', `  (genome ${SOURCE[d.source ?? ''] ?? d.source})`) : ''}`];
  if (g?.description) lines.push(`  ${g.description}`);
  if (g) lines.push(`  fingerprint  ${g.fingerprint}`);
  lines.push(`  replicas     ${replicasLine(d)}`, ...runLines(d), `  directory    ${d.dir}`);
  if (d.note) lines.push(color('yellow', `  note: ${d.note}`));
  if (!g) {
    if (d.process) lines.push('', 'a process cell: no contract; dependents reach it at CELL_DEP_<NAME>_URL');
    else if (d.replicas.wanted > 0) lines.push('', 'no genome known: it has no contract module, was never built and is not running');
    return lines.join('\n');
  }
  const methods = Object.entries(g.methods);
  lines.push('', color('bold', `methods (${methods.length})`));
  for (const [name, m] of methods) {
    if (m.description) lines.push(color('gray', `  // ${m.description.split('\n').join('\n  // ')}`));
    lines.push(`  ${methodSignature(name, m, width)}`);
    for (const [code, details] of Object.entries(m.errors)) lines.push(`    ${color('red', 'error')} ${code}: ${schemaType(details, { width: width - code.length - 12, indent: '    ' })}`);
  }
  const events = Object.entries(g.events);
  if (events.length > 0) {
    lines.push('', color('bold', `events (${events.length})`));
    for (const [name, e] of events) lines.push(`  ${name}: ${schemaType(e.payload, { width: width - name.length - 4, indent: '  ' })}`);
  }
  return lines.join('\n');
}
