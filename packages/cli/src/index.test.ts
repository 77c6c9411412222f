import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import * as cli from './index.ts';
import { program } from './program.ts';

describe('@cell/cli public surface', () => {
  it('exports the command line alone', () => {
    expect(Object.keys(cli)).toEqual(['program']);
    expect(cli.program).toBe(program);
  });

  it('builds the `cell` command with its version', () => {
    const cmd = cli.program();
    expect(cmd).toBeInstanceOf(Command);
    expect(cmd.name()).toBe('cell');
    expect(cmd.version()).toBe('0.1.0');
  });
});
