import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The dashboard's sources: `packages/runtime/dashboard/` (shipped with the package), the same path from `src/` and `dist/`. */
const PAGE_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/** One file the page is made of. */
export interface PageAsset {
  type: string;
  body: Buffer;
}

/** The page's files by path: `/` (the HTML), `/app.js` (its script), `/style.css`; undefined for any other path. */
export interface DashboardPage {
  asset(path: string): Promise<PageAsset> | undefined;
}

/**
 * The page, made once on first request: the HTML and style as they are, the script bundled from
 * its TypeScript (`dashboard/app.ts`, type-checked with the DOM's types) by esbuild, for browsers —
 * so a tree nobody looks at pays nothing for it. Nothing is fetched from anywhere else.
 */
export function dashboardPage(): DashboardPage {
  const made = new Map<string, Promise<PageAsset>>();
  const make: Record<string, () => Promise<PageAsset>> = {
    '/': async () => ({ type: 'text/html; charset=utf-8', body: await readFile(`${PAGE_DIR}index.html`) }),
    '/style.css': async () => ({ type: 'text/css; charset=utf-8', body: await readFile(`${PAGE_DIR}style.css`) }),
    '/app.js': async () => {
      const { build } = await import('esbuild');
      const out = await build({ entryPoints: [`${PAGE_DIR}app.ts`], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'silent', legalComments: 'none' });
      return { type: 'text/javascript; charset=utf-8', body: Buffer.from(out.outputFiles[0]!.contents) };
    },
  };
  return {
    asset(path) {
      const key = path === '/index.html' ? '/' : path;
      const maker = Object.hasOwn(make, key) ? make[key] : undefined;
      if (!maker) return undefined;
      let asset = made.get(key);
      if (!asset) {
        made.set(key, (asset = maker()));
        asset.catch(() => made.delete(key)); // a failure is tried again on the next request
      }
      return asset;
    },
  };
}
