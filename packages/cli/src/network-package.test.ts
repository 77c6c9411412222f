import { describe, expect, it } from 'vitest';
import { loadNet } from './network-package.ts';

/** Node's error for a package that cannot be found, as `importer` imports it. */
function notFound(specifier: string, importer: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/node_modules/${importer}`), { code: 'ERR_MODULE_NOT_FOUND' });
}

describe('loadNet', () => {
  it('loads @cell/net when it is installed', async () => {
    const net = await loadNet('cell id');
    expect(net.loadOrCreateIdentity).toBeTypeOf('function');
  });

  it('missing, it says which command needs it and how to add it (CELL_E_NOT_INSTALLED)', async () => {
    const err = await loadNet('cell publish', () => Promise.reject(notFound('@cell/net', '@cell/cli/dist/network-package.js'))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CELL_E_NOT_INSTALLED', details: { package: '@cell/net' } });
    expect((err as Error).message).toBe('cell publish needs the network package, which this project does not install: npm install -D @cell/net');
  });

  it('any other failure (a dependency of @cell/net missing, a bug) is not hidden behind that advice', async () => {
    const missingDep = notFound('@libp2p/tcp', '@cell/net/dist/control-plane.js');
    await expect(loadNet('cell id', () => Promise.reject(missingDep))).rejects.toBe(missingDep);
    const bug = new TypeError('x is not a function');
    await expect(loadNet('cell id', () => Promise.reject(bug))).rejects.toBe(bug);
  });
});
