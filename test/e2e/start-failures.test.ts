import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cell, cellOf, status, tempTree, type TempTree } from './helpers.ts';
import { workCellFiles } from './work-cell.ts';

const ROOT_TOML = '[cell]\nname = "root"\nversion = "1.0.0"\n';
const FAIL_FAST = '[life_cycle]\nrestart = { max = 1, within = "60s", backoff = "10ms..20ms" }\n';

let tree: TempTree | undefined;
let squatter: Server | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
  squatter?.close();
  squatter = undefined;
});

/** A cell that listens on `port` before it serves (like the demo's HTTP gateway). */
function listenerCell(dir: string, port: number): Record<string, string> {
  const files = workCellFiles(dir, { name: 'web', toml: FAIL_FAST });
  files[`${dir}/src/main.ts`] = `import { createServer } from 'node:net';\n${`await new Promise<void>((resolve) => createServer().listen(${port}, '127.0.0.1', resolve));\n`}${files[`${dir}/src/main.ts`]!}`;
  return files;
}

describe('a cell that crashes at start', () => {
  it('is reported with the error that killed it (a port in use), not node\'s version footer; --detach exits 1 naming it', { timeout: 120_000 }, async () => {
    squatter = createServer();
    await new Promise<void>((resolve) => squatter!.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    tree = tempTree({
      'cell.toml': ROOT_TOML,
      ...listenerCell('cells/web', port),
      // A cell depending on the one that fails: it still starts, and the failure is the dependency's.
      ...workCellFiles('cells/front', { name: 'front', toml: '[deps]\nweb = "../web"\n' }),
    });
    const up = cell(['mitosis', tree.root, '--detach']);
    expect(up.code).toBe(1);
    const web = cellOf(status(tree.root), 'web');
    expect(web.state).toBe('failed');
    // A replica's server shares the nucleus's handles (cluster): Node says "bind", not "listen".
    const reason = web.replicas[0]!.lastExit!.cause!;
    expect(reason).toMatch(new RegExp(`^Error: (bind|listen) EADDRINUSE.* 127\\.0\\.0\\.1:${port}$`));
    expect(web.failure).toBe(`crashed 2 times within 60000 ms (restart limit 1): ${reason}`);
    expect(up.stderr).toContain(`web: ${web.failure}`);
    expect(up.stderr).not.toMatch(/Node\.js v\d/);
    expect(cellOf(status(tree.root), 'front').state).toBe('ready');

    const human = cell(['status', tree.root]);
    const exitLine = human.stdout.split('\n').findIndex((l) => l.includes('last exit: crash (code 1)'));
    expect(human.stdout.split('\n')[exitLine + 1]?.trim()).toBe(reason);
    expect(cell(['stop', tree.root]).code).toBe(0);
  });
});
