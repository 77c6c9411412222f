import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { BuildContext } from './build-context.ts';
import { ProblemReport } from './problem-report.ts';
import { duration, table } from './schema-kit.ts';

const Life = table({ grace: duration(), idle: Type.Optional(duration()) });

function context(document: unknown) {
  const report = new ProblemReport('/c/cell.toml', '');
  return { ctx: new BuildContext('/c', document, report), report };
}

describe('BuildContext', () => {
  it('reads raw values by path, own keys only', () => {
    const { ctx } = context({ life: { grace: '5s' }, list: ['a'] });
    expect(ctx.raw(['life', 'grace'])).toBe('5s');
    expect(ctx.raw(['list', 0])).toBe('a');
    expect(ctx.raw(['life', 'missing'])).toBeUndefined();
    expect(ctx.raw(['life', 'grace', 'length'])).toBeUndefined();
    expect(ctx.raw(['life', 'constructor'])).toBeUndefined();
  });

  it('decodes clean values only', () => {
    const { ctx, report } = context({ life: { grace: '5s' }, other: { grace: '1s' } });
    expect(ctx.decoded(['life'], Life)).toEqual({ grace: 5000 });
    report.add(['life', 'idle'], 'wrong');
    expect(ctx.decoded(['life'], Life)).toBeUndefined();
    expect(ctx.decoded(['life', 'grace'], Life.properties.grace)).toBe(5000);
    expect(ctx.decoded(['absent'], Life)).toBeUndefined();
  });

  it('adds problems to the report', () => {
    const { ctx, report } = context({});
    ctx.add(['cell', 'entry'], 'missing file');
    expect(report.count).toBe(1);
    expect(ctx.isClean(['cell'])).toBe(false);
    expect(ctx.dir).toBe('/c');
  });
});
