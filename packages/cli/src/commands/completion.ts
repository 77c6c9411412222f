import type { Command } from 'commander';
import { CellError } from '@cell/protocol';
import { bashScript, type ArgKind, type CompletionOption, type CompletionSpec, fishScript, zshScript } from '../output/completion-scripts.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const HELP: CompletionOption = { flags: ['-h', '--help'], description: 'display help for command', takesValue: false, choices: undefined };

function optionsOf(cmd: Command): CompletionOption[] {
  const shown = cmd.options.filter((o) => !o.hidden);
  const options = shown.map((o) => ({
    flags: [o.short, o.long].filter((f): f is string => f !== undefined),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
  }));
  return [...options, HELP];
}

/**
 * Which names complete an argument: a cell (`describe <cell>`: its directory or its name in the
 * tree), a directory, or a cell's name alone where a directory came before (`logs [dir] [cell]`).
 */
function kindOf(name: string, choices: string[] | undefined, afterDir: boolean): ArgKind {
  if (choices) return 'choices';
  if (name === 'cell') return afterDir ? 'cell-name' : 'cell';
  if (name === 'dir' || name === 'cell-dir') return 'dir';
  return 'none';
}

/** Reads the completion spec off the command line's definition, so scripts never drift from it. */
export function completionSpec(cli: Command): CompletionSpec {
  const commands = cli.commands.map((c) => {
    const args = c.registeredArguments.map((a, i, all) => ({
      name: a.name(),
      kind: kindOf(a.name(), a.argChoices, all.slice(0, i).some((b) => b.name() === 'dir')),
      choices: a.argChoices,
    }));
    return { name: c.name(), description: c.description(), options: optionsOf(c), args };
  });
  return { commands, options: optionsOf(cli) };
}

/**
 * `cell completion <shell>`: a completion script for bash, zsh or fish — commands, options,
 * choices, directories, and the names of the cells under the current directory (found by the
 * shell reading cell.toml files: no `cell` process per key press).
 */
export function completionCommand(shell: string, cli: Command): string {
  const spec = completionSpec(cli);
  switch (shell) {
    case 'bash':
      return bashScript(spec);
    case 'zsh':
      return zshScript(spec);
    case 'fish':
      return fishScript(spec);
    default:
      throw new CellError('CELL_E_INVALID_ARGUMENT', `no completion for shell ${JSON.stringify(shell)}; one of: ${SHELLS.join(', ')}`);
  }
}
