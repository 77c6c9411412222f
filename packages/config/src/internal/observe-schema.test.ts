import { join } from 'node:path';
import { parse } from 'smol-toml';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles } from '../test-fixtures/temp-files.ts';
import { validateConfig } from './validate-config.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

const HEAD = '[cell]\nname = "a"\nversion = "1.0.0"\n';

function observe(table: string) {
  const dir = files({});
  const toml = `${HEAD}${table}`;
  return validateConfig(parse(toml) as Record<string, unknown>, join(dir, 'cell.toml'), dir, toml);
}

describe('[observe]', () => {
  it('is absent unless written (the tree then uses the defaults)', () => {
    expect(observe('').config?.observe).toBeUndefined();
  });

  it('serves metrics on loopback by default, on the address given, or not at all', () => {
    expect(observe('[observe]\n').config?.observe).toEqual({ metrics: { host: '127.0.0.1', port: 9464 }, spans: 1024, otlp: null, dashboard: { host: '127.0.0.1', port: 9465 } });
    expect(observe('[observe]\nmetrics = "0.0.0.0:9100"\n').config?.observe).toEqual({ metrics: { host: '0.0.0.0', port: 9100 }, spans: 1024, otlp: null, dashboard: { host: '127.0.0.1', port: 9465 } });
    expect(observe('[observe]\nmetrics = "off"\n').config?.observe).toEqual({ metrics: null, spans: 1024, otlp: null, dashboard: { host: '127.0.0.1', port: 9465 } });
  });

  it('keeps 1,024 spans per replica by default, as many as asked up to 100,000, or none', () => {
    expect(observe('[observe]\nspans = 0\n').config?.observe?.spans).toBe(0);
    expect(observe('[observe]\nspans = 100000\n').config?.observe?.spans).toBe(100_000);
    for (const bad of ['-1', '100001', '1.5', '"many"']) {
      expect(observe(`[observe]\nspans = ${bad}\n`).problems).toEqual([expect.objectContaining({ key: 'observe.spans', line: 5, message: expect.stringMatching(/whole number from 0 to 100000/) })]);
    }
  });

  it('exports spans over OTLP/HTTP only when given an endpoint: its /v1/traces unless the URL names a path', () => {
    expect(observe('[observe]\notlp = "http://127.0.0.1:4318"\n').config?.observe?.otlp).toBe('http://127.0.0.1:4318/v1/traces');
    expect(observe('[observe]\notlp = "https://otel.example:4318/custom/traces"\n').config?.observe?.otlp).toBe('https://otel.example:4318/custom/traces');
    expect(observe('[observe]\notlp = "off"\n').config?.observe?.otlp).toBeNull();
    for (const bad of ['"127.0.0.1:4318"', '"ftp://x/"', '"http://user:pw@x/"', '4318']) {
      expect(observe(`[observe]\notlp = ${bad}\n`).problems).toEqual([expect.objectContaining({ key: 'observe.otlp', line: 5, message: expect.stringMatching(/an http\(s\) URL of an OTLP\/HTTP endpoint|expected/) })]);
    }
  });

  it('serves the dashboard on loopback by default, on the address given, or not at all', () => {
    expect(observe('[observe]\ndashboard = "0.0.0.0:8080"\n').config?.observe?.dashboard).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(observe('[observe]\ndashboard = "off"\n').config?.observe?.dashboard).toBeNull();
    expect(observe('[observe]\ndashboard = "9465"\n').problems).toEqual([expect.objectContaining({ key: 'observe.dashboard', message: expect.stringMatching(/e\.g\. "127\.0\.0\.1:9465"/) })]);
  });

  it('refuses a malformed address and unknown keys, with the line', () => {
    const bad = observe('[observe]\nmetrics = "loopback"\ngrafana = true\n');
    expect(bad.config).toBeUndefined();
    expect(bad.problems).toEqual([
      expect.objectContaining({ key: 'observe.metrics', line: 5, message: expect.stringMatching(/expected "host:port".*or "off", got "loopback"/) }),
      expect.objectContaining({ key: 'observe.grafana', line: 6 }),
    ]);
  });
});
