import { el, show } from '../dom.ts';
import { sampleOf, type Schema } from '../schema-sample.ts';

interface MethodInfo {
  kind: string;
  description?: string;
  input?: Schema;
  output?: Schema;
  errors?: Record<string, Schema>;
}

interface GenomeInfo {
  name: string;
  version: string;
  methods: Record<string, MethodInfo>;
}

/** Method kinds a JSON form can call (a stream of input needs the SDK). */
const CALLABLE = new Set(['unary', 'notify', 'serverStream']);

/**
 * Each cell's genome as an API explorer: its methods with their description and schemas, and a
 * form to call one (the input starts as a sample of its schema). A call goes through the same
 * routes as the HTTP door; its answer, status and trace id are shown, the trace one click away.
 */
export class ApiView {
  private readonly target: HTMLElement;
  private readonly onTrace: (trace: string) => void;
  private readonly cellSelect = el('select', { id: 'api-cell', 'aria-label': 'cell' });
  private readonly methodsBox = el('div', { class: 'methods', role: 'group', 'aria-label': 'methods' });
  private readonly form = el('div', { id: 'api-form' });
  private names: string[] = [];

  constructor(target: HTMLElement, onTrace: (trace: string) => void) {
    this.target = target;
    this.onTrace = onTrace;
    this.cellSelect.addEventListener('change', () => void this.load(this.cellSelect.value));
    show(this.target, el('h2', {}, 'API explorer'), el('label', {}, 'Cell ', this.cellSelect), this.methodsBox, this.form);
  }

  /** The cells that can be called; loads the first one's genome the first time. */
  cells(names: string[]): void {
    if (names.join() === this.names.join()) return;
    const current = this.cellSelect.value;
    this.names = names;
    show(this.cellSelect, ...names.map((n) => el('option', { value: n, selected: n === current }, n)));
    if (!current && names[0]) void this.load(names[0]);
  }

  private async load(cell: string): Promise<void> {
    const res = await fetch(`/api/genome?cell=${encodeURIComponent(cell)}`);
    if (!res.ok) return show(this.methodsBox, el('p', { class: 'err' }, `no genome for ${cell} yet (${res.status})`));
    const genome = (await res.json()) as GenomeInfo;
    const buttons = Object.entries(genome.methods).map(([name, m]) => {
      const b = el('button', { type: 'button', 'aria-pressed': 'false', 'data-method': name, disabled: !CALLABLE.has(m.kind) }, name);
      b.addEventListener('click', () => {
        for (const other of this.methodsBox.querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === b));
        this.showMethod(cell, name, m);
      });
      return b;
    });
    show(this.methodsBox, ...buttons);
    show(this.form, el('p', { class: 'muted' }, `${genome.name} ${genome.version}: pick a method.`));
  }

  private showMethod(cell: string, name: string, m: MethodInfo): void {
    const input = el('textarea', { id: 'api-input', 'aria-label': `input of ${cell}.${name} as JSON`, spellcheck: 'false' });
    input.value = JSON.stringify(sampleOf(m.input), null, 2);
    const result = el('div', { id: 'api-result', 'aria-live': 'polite' });
    const call = el('button', { type: 'button', class: 'button', id: 'api-call' }, `Call ${cell}.${name}`);
    call.addEventListener('click', () => void this.call(cell, name, input.value, result));
    const errors = Object.keys(m.errors ?? {});
    show(
      this.form,
      el('h2', {}, `${cell}.${name}`, el('span', { class: 'muted' }, ` (${m.kind})`)),
      m.description ? el('p', {}, m.description) : null,
      errors.length > 0 ? el('p', { class: 'muted' }, `declared errors: ${errors.join(', ')}`) : null,
      el('details', {}, el('summary', {}, 'input and output schemas'), el('pre', {}, JSON.stringify({ input: m.input, output: m.output }, null, 2))),
      input,
      el('p', {}, call),
      result,
    );
  }

  private async call(cell: string, name: string, text: string, result: HTMLElement): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return show(result, el('p', { class: 'err' }, `the input is not JSON: ${(err as Error).message}`));
    }
    show(result, el('p', { class: 'muted' }, 'calling…'));
    const res = await fetch(`/api/call/${encodeURIComponent(cell)}/${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const trace = res.headers.get('x-cell-trace');
    const answer = await res.text();
    let pretty = answer;
    try {
      pretty = JSON.stringify(JSON.parse(answer), null, 2);
    } catch {
      // a stream's events, or text: shown as they are
    }
    const link = trace ? el('button', { type: 'button', class: 'button', id: 'api-trace' }, 'See its trace') : null;
    link?.addEventListener('click', () => this.onTrace(trace!));
    show(result, el('p', { class: res.ok ? 'ok' : 'err' }, `${res.status} ${res.ok ? 'ok' : 'failed'}`, trace ? el('span', { class: 'mono muted' }, ` · trace ${trace} `) : null, link), el('pre', { id: 'api-answer' }, pretty));
  }
}
