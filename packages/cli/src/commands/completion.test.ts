import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { program } from '../program.ts';
import { runCell } from '../test-support/fixtures.ts';
import { completionCommand, completionSpec } from './completion.ts';

/** Runs `script` in `shell` (without the user's rc files), in `cwd`; its stdout lines. */
function inShell(shell: 'bash' | 'zsh' | 'fish', script: string, cwd: string): string[] {
  const args = shell === 'bash' ? ['--norc', '--noprofile', '-c', script] : shell === 'zsh' ? ['-f', '-c', script] : ['--no-config', '-c', script];
  const r = spawnSync(shell, args, { cwd, encoding: 'utf8', timeout: 20_000, env: { ...process.env, HOME: cwd } });
  if (r.error || r.status !== 0) throw new Error(`${shell} failed (${r.status}): ${r.error?.message ?? r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** Whether this machine has `shell` (bash always; zsh and fish where installed). */
const has = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0;

describe('completion spec', () => {
  const spec = completionSpec(program());
  const command = (name: string) => spec.commands.find((c) => c.name === name)!;

  it('holds every command of the command line, with its options and what each argument is', () => {
    expect(spec.commands.map((c) => c.name)).toEqual(program().commands.map((c) => c.name()));
    expect(command('logs').options.find((o) => o.flags.includes('--level'))).toMatchObject({ takesValue: true, choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] });
    expect(command('logs').options.find((o) => o.flags.includes('--follow'))).toMatchObject({ flags: ['-f', '--follow'], takesValue: false });
    expect(command('logs').args.map((a) => a.kind)).toEqual(['dir', 'cell-name']);
    expect(command('describe').args.map((a) => a.kind)).toEqual(['cell']);
    expect(command('call').args.map((a) => a.kind)).toEqual(['cell', 'none', 'none']);
    expect(command('completion').args).toEqual([{ name: 'shell', kind: 'choices', choices: ['bash', 'zsh', 'fish'] }]);
    expect(spec.options.flatMap((o) => o.flags)).toEqual(['-V', '--version', '-h', '--help']);
  });

  it('leaves out hidden options', () => {
    expect(command('mitosis').options.flatMap((o) => o.flags)).not.toContain('--daemon');
  });

  it('refuses a shell it has no script for: CELL_E_INVALID_ARGUMENT, and exit 2 through the CLI', () => {
    expect(() => completionCommand('tcsh', program())).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    expect(runCell(['completion', 'tcsh']).code).toBe(2);
  });
});

describe('completion scripts in real shells', () => {
  let dir: string;
  const script = (shell: string) => {
    const r = runCell(['completion', shell]);
    expect(r.code, r.stderr).toBe(0);
    const file = join(dir, `cell.${shell}`);
    writeFileSync(file, r.stdout);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cell-completion-'));
    const cell = (path: string, toml: string) => {
      mkdirSync(join(dir, path), { recursive: true });
      writeFileSync(join(dir, path, 'cell.toml'), toml);
    };
    cell('shop', '# the tree\n[cell]\nname = "shop"   # root\nversion = "1.0.0"\n');
    cell('shop/cells/orders', "[cell]\nversion = '1.0.0'\nname = 'orders'\n\n[deps]\nname = \"not-a-cell-name\"\n");
    cell('shop/cells/payments', '[cells]\nx = { path = "y" }\n[cell]\n  name="payments"\nversion = "1.0.0"\n');
    cell('shop/node_modules/dep', '[cell]\nname = "hidden-in-node-modules"\nversion = "1.0.0"\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bash: completes commands, options, option values, directories and cell names, by position', () => {
    const file = script('bash');
    /** What bash offers for the words typed so far (the last one being completed). */
    const complete = (...words: string[]) =>
      inShell('bash', `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cell; printf '%s\\n' "\${COMPREPLY[@]}"`, join(dir, 'shop'));
    expect(complete('cell', '')).toEqual(expect.arrayContaining(['describe', 'restart', 'logs', 'completion', '--help']));
    expect(complete('cell', 'res')).toEqual(['restart']);
    expect(complete('cell', 'logs', '--l')).toEqual(['--level', '--lines']);
    expect(complete('cell', 'logs', '--level', 'w')).toEqual(['warn']);
    expect(complete('cell', 'logs', '--since', '')).toEqual([]);
    expect(complete('cell', 'describe', '').sort()).toEqual(['cells', 'node_modules', 'orders', 'payments', 'shop']);
    expect(complete('cell', 'describe', 'pay')).toEqual(['payments']);
    expect(complete('cell', 'logs', '.', '').sort()).toEqual(['orders', 'payments', 'shop']);
    expect(complete('cell', 'logs', '--level', 'info', '.', 'o')).toEqual(['orders']);
    expect(complete('cell', 'build', '').sort()).toEqual(['cells', 'node_modules']);
    expect(complete('cell', 'call', 'orders', '')).toEqual([]);
    expect(complete('cell', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('zsh: loads, registers _cell for cell, and finds the cell names', () => {
    const file = script('zsh');
    if (!has('zsh')) {
      expect(file).toBeTruthy(); // no zsh here: the script was at least produced
      return;
    }
    expect(spawnSync('zsh', ['-n', file]).status).toBe(0);
    const out = inShell('zsh', `autoload -U compinit && compinit -u -D && source ${file} && print -- $_comps[cell] && compadd() { print -l -- \${(P)2} } && _cell_cell_names`, join(dir, 'shop'));
    expect(out[0]).toBe('_cell');
    expect(out.slice(1).sort()).toEqual(['orders', 'payments', 'shop']);
  });

  it('fish: completes commands, options, option values and cell names', () => {
    const file = script('fish');
    if (!has('fish')) {
      expect(file).toBeTruthy(); // no fish here: the script was at least produced
      return;
    }
    /** fish's completions for a command line (the word and its description, tab-separated). */
    const complete = (line: string) => inShell('fish', `source ${file}; complete -C '${line}'`, join(dir, 'shop')).map((l) => l.split('\t')[0]);
    expect(complete('cell ')).toEqual(expect.arrayContaining(['describe', 'restart', 'logs', 'completion']));
    expect(complete('cell logs --le')).toEqual(['--level']);
    expect(complete('cell logs --level ').sort()).toEqual(['debug', 'error', 'fatal', 'info', 'trace', 'warn']);
    expect(complete('cell describe pa')).toEqual(['payments']);
    expect(complete('cell completion ').sort()).toEqual(['bash', 'fish', 'zsh']);
  });
});
