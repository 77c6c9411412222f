import type * as NetModule from '@cell/net';
import { CellError } from '@cell/protocol';

type Net = typeof NetModule;

/**
 * The network half of Cell, `@cell/net` (libp2p, Helia, identities, axons): an optional peer of
 * the CLI, so a project that runs on one machine installs none of it. Commands that need it load
 * it here and, when it is missing, say how to add it.
 */
export async function loadNet(why: string, load: () => Promise<Net> = () => import('@cell/net')): Promise<Net> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((err as Error).message).includes("'@cell/net'")) {
      throw new CellError('CELL_E_NOT_INSTALLED', `${why} needs the network package, which this project does not install: npm install -D @cell/net`, {
        details: { package: '@cell/net' },
        cause: err,
      });
    }
    throw err;
  }
}
