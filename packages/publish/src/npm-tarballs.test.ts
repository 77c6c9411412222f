import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrityOf, matchesIntegrity, npmTarballs, tarballUrl } from './npm-tarballs.ts';
import { makeNpmProject } from './test-support/npm-project.ts';
import { tempDir } from './test-support/temp-dir.ts';

describe('npm tarballs', () => {
  const dir = tempDir('cell-tarballs-');
  const body = Buffer.from('a tarball, as far as this test is concerned');
  const requests: string[] = [];
  let server: Server;
  let registry: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/@scope/pkg/-/pkg-1.2.3.tgz') res.end(body);
      else if (req.url === '/evil/-/evil-1.0.0.tgz') res.end('not what the lockfile says');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    dir.remove();
  });

  it('writes registry URLs and checks SRI integrity', () => {
    expect(tarballUrl('https://r.example/', '@scope/pkg', '1.2.3')).toBe('https://r.example/@scope/pkg/-/pkg-1.2.3.tgz');
    expect(tarballUrl('https://r.example', 'pkg', '1.0.0')).toBe('https://r.example/pkg/-/pkg-1.0.0.tgz');
    expect(matchesIntegrity(body, integrityOf(body))).toBe(true);
    expect(matchesIntegrity(body, `sha1-AAAA ${integrityOf(body)}`)).toBe(true);
    expect(matchesIntegrity(Buffer.from('other'), integrityOf(body))).toBe(false);
    expect(matchesIntegrity(body, 'md5-xyz')).toBe(false);
  });

  it("reads npm's cache by integrity before asking the registry", async () => {
    const project = makeNpmProject(join(dir.path, 'proj'));
    const source = npmTarballs({ cacheDir: project.cache, registry: 'http://127.0.0.1:1/' });
    expect(await source.cached(project.tinyIntegrity)).toBe(true);
    expect(matchesIntegrity(await source.registry('tiny-dep', '1.0.0', project.tinyIntegrity), project.tinyIntegrity)).toBe(true);
  });

  it('fetches from the configured registry when not cached, refusing bytes that do not match', async () => {
    const source = npmTarballs({ cacheDir: join(dir.path, 'empty'), registry });
    expect(await source.cached(integrityOf(body))).toBe(false);
    expect(Buffer.from(await source.registry('@scope/pkg', '1.2.3', integrityOf(body))).equals(body)).toBe(true);
    await expect(source.registry('evil', '1.0.0', integrityOf(body))).rejects.toMatchObject({ code: 'CELL_E_BUNDLE_FAILED' });
    await expect(source.registry('absent', '1.0.0', integrityOf(body))).rejects.toMatchObject({ code: 'CELL_E_BUNDLE_FAILED' });
    expect(requests).toEqual(['/@scope/pkg/-/pkg-1.2.3.tgz', '/evil/-/evil-1.0.0.tgz', '/absent/-/absent-1.0.0.tgz']);
  });

  it('never asks the registry when offline', async () => {
    const before = requests.length;
    const source = npmTarballs({ cacheDir: join(dir.path, 'empty'), registry, offline: true });
    await expect(source.registry('@scope/pkg', '1.2.3', integrityOf(body))).rejects.toMatchObject({ code: 'CELL_E_BUNDLE_FAILED' });
    expect(requests.length).toBe(before);
  });
});
