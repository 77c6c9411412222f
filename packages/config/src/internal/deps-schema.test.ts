import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles, validateToml } from '../test-fixtures/temp-files.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

const KEY = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';
const CELL = '[cell]\nname = "a"\nversion = "1.0.0"\n[deps]\n';

function tree() {
  return files({ 'a/cell.toml': '', 'payments/cell.toml': '', 'empty/README': '' });
}
const check = (toml: string, dir = tree()) => validateToml(CELL + toml, join(dir, 'a'));
const problemsOf = (toml: string, dir?: string) => Object.fromEntries(check(toml, dir).problems.map((p) => [p.key, p.message]));

describe('[deps]', () => {
  it('splits path dependencies (checked on disk) from dependencies on other nodes', () => {
    const dir = tree();
    const { config } = check(`payments = "../payments"\nstock = { major = 1 }\nsearch = "axon://${KEY}@10.0.0.7:7700"\npay2 = { path = "../payments", replicas = 2 }\n`, dir);
    expect(config?.deps).toEqual({
      payments: { kind: 'path', dir: join(dir, 'payments'), replicas: undefined },
      pay2: { kind: 'path', dir: join(dir, 'payments'), replicas: 2 },
    });
    expect(config?.remoteDeps).toEqual({
      stock: { name: 'stock', axon: undefined, major: 1, trust: [] },
      search: { name: 'search', axon: `axon://${KEY}@10.0.0.7:7700`, major: undefined, trust: [] },
    });
  });

  it('reports paths without a cell, bad names and bad addresses', () => {
    const dir = tree();
    expect(problemsOf('Pay = "../payments"\nx = "../empty"\ny = { path = "../nope" }\nz = "axon://not-a-key@1.2.3.4:1"\nw = ""\n', dir)).toEqual({
      'deps.Pay': 'dependency names must be kebab-case (a-z, 0-9, -; starting with a letter)',
      'deps.x': `"../empty" has no cell.toml (looked in ${join(dir, 'empty')})`,
      'deps.y.path': `path "../nope" does not exist (looked for ${join(dir, 'nope')})`,
      'deps.z': expect.stringContaining('"not-a-key" is not a node key'),
      'deps.w': 'expected a path to a cell directory or an axon:// address, got ""',
    });
  });

  it('takes git dependencies (not fetched until cell.lock pins a commit), and refuses keys that contradict each other', () => {
    const r = check('m = "git+https://x.org/m.git#v2.1.0"\nn = { git = "https://x.org/n.git", ref = "main", replicas = 2 }\nh = "git+git@x.org:acme/h.git"\n', tree());
    expect(r.problems).toEqual([]);
    expect(r.config?.deps).toEqual({
      m: { kind: 'git', url: 'https://x.org/m.git', ref: 'v2.1.0', dir: undefined, replicas: undefined },
      n: { kind: 'git', url: 'https://x.org/n.git', ref: 'main', dir: undefined, replicas: 2 },
      h: { kind: 'git', url: 'git@x.org:acme/h.git', ref: 'HEAD', dir: undefined, replicas: undefined },
    });
    expect(problemsOf('m = "git+ftp://x.org/m.git"\nk = "x.org/k.git"\nq = { git = "https://x.org/q.git", path = "../q" }\nr = { path = "../payments", ref = "v1" }\no = { path = "../payments", axon = "axon://1.2.3.4:5", major = 2 }\np = { replicas = 2 }\n')).toEqual({
      'deps.m': 'git URL "ftp://x.org/m.git" must use https, ssh, file or git (or be git@host:path)',
      'deps.k': 'a git dependency is written "git+x.org/k.git#<ref>" (a tag, a branch or a commit)',
      'deps.q': 'a git dependency has git, ref and replicas only',
      'deps.r.ref': 'ref applies to git dependencies only',
      'deps.o.axon': 'a dependency is either at a path or on another node (axon), not both',
      'deps.o.major': 'major applies to dependencies on other nodes only',
      'deps.p.replicas': 'replicas apply to path dependencies only',
    });
  });

  it('words a value of the wrong kind by the form it was meant to have', () => {
    expect(problemsOf('n = 3\nt = { path = 1, q = 2 }\n')).toEqual({
      'deps.n': 'expected a path, an axon:// address, or a table like { path = "../x" } or { major = 1 }, got number 3',
      'deps.t.path': 'expected a path to a cell directory, got number 1',
      'deps.t.q': 'unknown key; expected one of: path, replicas, axon, major, git, ref, trust',
    });
  });

  it('takes a trust list of node keys for a dependency found by name, and refuses it where it means nothing', () => {
    const dir = tree();
    const r = check(`stock = { major = 1, trust = ["${KEY}"] }\n`, dir);
    expect(r.problems).toEqual([]);
    expect(r.config?.remoteDeps['stock']).toEqual({ name: 'stock', axon: undefined, major: 1, trust: [KEY] });
    expect(Object.keys(problemsOf('s = { major = 1, trust = ["not-a-key"] }\np = { path = "../payments", trust = ["' + KEY + '"] }\n', dir)).sort()).toEqual([
      'deps.p.trust',
      'deps.s.trust[0]',
    ]);
  });
});
