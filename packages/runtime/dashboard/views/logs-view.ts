import { clock, el, show } from '../dom.ts';

const KEEP = 1000;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const SHOWN_KEYS = new Set(['time', 'level', 'msg', 'cell', 'replica', 'pid', 'component', 'hostname']);

interface Line {
  time: number;
  level: string;
  cell: string;
  replica: string;
  msg: string;
  rest: string;
  text: string;
}

function parse(raw: string): Line | undefined {
  try {
    const r = JSON.parse(raw) as Record<string, unknown>;
    const rest = Object.entries(r).filter(([k]) => !SHOWN_KEYS.has(k));
    const line = { time: Number(r['time'] ?? Date.now()), level: String(r['level'] ?? 'info'), cell: String(r['cell'] ?? ''), replica: String(r['replica'] ?? ''), msg: String(r['msg'] ?? ''), rest: rest.length === 0 ? '' : JSON.stringify(Object.fromEntries(rest)) };
    return { ...line, text: `${line.cell} ${line.replica} ${line.msg} ${line.rest}`.toLowerCase() };
  } catch {
    return undefined;
  }
}

/** The tree's log lines as they come, filtered by level (that one and above), cell and text. */
export class LogsView {
  private lines: Line[] = [];
  private skipped = 0;
  private readonly level = el('select', { id: 'log-level', 'aria-label': 'lowest level' }, ...LEVELS.map((l) => el('option', { value: l, selected: l === 'info' }, `${l} and above`)));
  private readonly cell = el('select', { id: 'log-cell', 'aria-label': 'cell' }, el('option', { value: '' }, 'all cells'));
  private readonly text = el('input', { id: 'log-text', type: 'search', placeholder: 'filter text', 'aria-label': 'text to find' });
  private readonly list = el('ul', { id: 'log-lines', 'aria-live': 'polite' });
  private readonly note = el('p', { class: 'muted' });

  constructor(target: HTMLElement) {
    for (const input of [this.level, this.cell, this.text]) input.addEventListener('input', () => this.render());
    show(target, el('h2', {}, 'Logs'), el('div', { class: 'filters' }, this.level, this.cell, this.text), this.note, this.list);
  }

  /** The cells to filter by. */
  cells(names: string[]): void {
    const current = this.cell.value;
    show(this.cell, el('option', { value: '' }, 'all cells'), ...names.map((n) => el('option', { value: n, selected: n === current }, n)));
  }

  add(raw: string[], skipped: number): void {
    for (const r of raw) {
      const line = parse(r);
      if (line) this.lines.push(line);
    }
    if (this.lines.length > KEEP) this.lines = this.lines.slice(-KEEP);
    this.skipped += skipped;
    this.render();
  }

  private render(): void {
    const min = LEVELS.indexOf(this.level.value);
    const cell = this.cell.value;
    const text = this.text.value.trim().toLowerCase();
    const shown = this.lines.filter((l) => LEVELS.indexOf(l.level) >= min && (cell === '' || l.cell === cell) && (text === '' || l.text.includes(text)));
    show(
      this.list,
      ...shown.slice(-300).map((l) =>
        el('li', { class: l.level }, el('span', { class: 'mono muted' }, clock(l.time)), ' ', el('span', { class: `lvl ${l.level}` }, l.level), ' ', el('strong', {}, l.replica || l.cell || 'nucleus'), ' ', l.msg, l.rest ? el('span', { class: 'mono muted' }, ` ${l.rest}`) : null),
      ),
    );
    this.note.textContent = `${shown.length} of ${this.lines.length} lines${this.skipped > 0 ? ` · ${this.skipped} not shown (a burst beyond what the page takes)` : ''}`;
    this.list.scrollTop = this.list.scrollHeight;
  }
}
