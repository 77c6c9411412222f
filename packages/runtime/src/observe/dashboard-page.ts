import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The dashboard's sources: `packages/runtime/dashboard/` (shipped with the package), the same path from `src/` and `dist/`. */
const PAGE_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/** One file the page is made of. */
export interface PageAsset {
  type: string;
  body: Buffer;
}

/** The page's files by path: `/` (the HTML), `/app.js` (its script), `/style.css`. */
export interface DashboardPage {
  asset(path: string): PageAsset | undefined;
}

/**
 * Reads the page once: the HTML and style as they are, the script bundled from its TypeScript
 * (`dashboard/app.ts`, type-checked with the DOM's types) by esbuild, for browsers. Nothing is
 * fetched from anywhere else, at build time or in the browser.
 */
export async function loadDashboardPage(): Promise<DashboardPage> {
  const [html, css, script] = await Promise.all([
    readFile(`${PAGE_DIR}index.html`),
    readFile(`${PAGE_DIR}style.css`),
    build({ entryPoints: [`${PAGE_DIR}app.ts`], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'silent', legalComments: 'none' }),
  ]);
  const assets = new Map<string, PageAsset>([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(script.outputFiles[0]!.contents) }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: css }],
  ]);
  return { asset: (path) => assets.get(path === '/index.html' ? '/' : path) };
}
