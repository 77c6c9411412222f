import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cell, freePort, status, tempTree, type TempTree } from './helpers.ts';
import { workCellFiles } from './work-cell.ts';

let tree: TempTree | undefined;
let prometheus: ChildProcess | undefined;
let dir: string | undefined;
afterEach(() => {
  prometheus?.kill('SIGKILL');
  prometheus = undefined;
  tree?.remove();
  tree = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A PromQL instant query against Prometheus's HTTP API: the first series' value, if any. */
async function query(port: number, promql: string): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    const first = body.data?.result?.[0];
    return first ? Number(first.value[1]) : undefined;
  } catch {
    return undefined; // not listening yet
  }
}

describe('metrics (a real tree, a real Prometheus)', () => {
  it('a tree serves Prometheus metrics on loopback, named in cell status, and Prometheus scrapes and answers PromQL about it', { timeout: 120_000 }, async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work', { toml: 'replicas = 2' }) });
    const started = cell(['mitosis', tree.root, '--detach']);
    expect(started.code, started.stderr).toBe(0);
    const url = status(tree.root).metrics?.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(cell(['status', tree.root]).stdout).toContain(`metrics ${url}`);

    const called = cell(['call', join(tree.root, 'cells/work'), 'whoami', '{}']);
    expect(called.code, called.stderr).toBe(0);
    const text = await (await fetch(url!)).text();
    expect(text).toMatch(/^cell_calls_total\{cell="work",method="whoami",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^cell_call_duration_seconds_count\{cell="work",method="whoami"\} 1$/m);
    expect(text).toMatch(/^cell_replica_up\{cell="work",replica="work-0"\} 1$/m);
    expect(text).toMatch(/^cell_replica_up\{cell="work",replica="work-1"\} 1$/m);
    expect(text).toMatch(/^cell_replica_cpu_seconds_total\{cell="work",replica="work-0"\} [\d.]+$/m);

    dir = mkdtempSync(join(tmpdir(), 'cell-prometheus-'));
    const port = await freePort();
    const target = new URL(url!).host;
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: cell\n    static_configs:\n      - targets: ["${target}"]\n`);
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const deadline = Date.now() + 90_000;
    let ready: number | undefined;
    while (Date.now() < deadline && (ready = await query(port, 'sum(cell_replica_up{cell="work"})')) !== 2) await new Promise((r) => setTimeout(r, 250));
    expect(ready, 'Prometheus never saw both replicas up').toBe(2);
    expect(await query(port, 'up{job="cell"}')).toBe(1);
    expect(await query(port, 'sum(cell_replica_restarts_total{cell="work"})')).toBe(0);
    expect(await query(port, 'count(cell_nucleus_process_resident_memory_bytes)')).toBe(1);
    expect(await query(port, 'sum(cell_calls_total{cell="work",outcome="ok"})')).toBe(1);
    expect(await query(port, 'histogram_quantile(0.5, sum by (le) (cell_call_duration_seconds_bucket{cell="work"}))')).toBeGreaterThan(0);
  });
});
