/// <reference lib="dom" />
// The web dashboard of the running demo, driven in a real browser: Debian's chromium through
// puppeteer-core (no browser download). Screenshots go to .tmp/dashboard-screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cell, copyOfRepoDir, freePort, REPO, status, type TempTree } from './helpers.ts';

const SHOTS = join(REPO, '.tmp', 'dashboard-screenshots');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let tree: TempTree | undefined;
let browser: Browser | undefined;
let page: Page;
let url: string;

/** Polls the page (bounded) until `fn` is true there. */
async function until(what: string, fn: () => boolean, timeoutMs = 20_000): Promise<void> {
  try {
    await page.waitForFunction(fn, { timeout: timeoutMs, polling: 100 });
  } catch {
    await page.screenshot({ path: join(SHOTS, `failed-${what.replace(/\W+/g, '-')}.png`) });
    throw new Error(`the dashboard never showed ${what} (screenshot in ${SHOTS})`);
  }
}

describe('the web dashboard in Chromium (the demo tree)', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    tree = copyOfRepoDir('examples/shop');
    const up = cell(['mitosis', tree.root, '--detach'], { env: { SHOP_HTTP_PORT: String(await freePort()) } });
    expect(up.code, up.stderr).toBe(0);
    url = status(tree.root).dashboard!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    tree?.remove();
  });

  it('shows the tree live: every cell of the demo, its replicas ready', { timeout: 60_000 }, async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await until('the cells', () => document.querySelectorAll('#cells tr.cell').length >= 8 && document.getElementById('link')?.textContent === 'live');
    const cells = await page.$$eval('#cells tr.cell', (rows) => rows.map((r) => [r.getAttribute('data-cell'), r.querySelector('td')?.textContent]));
    expect(Object.fromEntries(cells)).toMatchObject({ catalog: 'ready', inventory: 'ready', orders: 'ready', payments: 'ready', mailer: 'ready', stockdb: 'ready', gateway: 'ready' });
    expect(await page.$$eval('#cells tr.replica[data-replica^="inventory-"]', (rows) => rows.length)).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'tree.png') });
    expect(errors).toEqual([]);
  });

  it('calls a method from the API explorer, then shows the call in its trace, the logs and the graph', { timeout: 90_000 }, async () => {
    await page.click('#tab-api');
    await until('the cells to call', () => !!document.querySelector('#api-cell option[value="orders"]'));
    await page.select('#api-cell', 'orders');
    await until("orders' methods", () => !!document.querySelector('[data-method="place"]'));
    await page.click('[data-method="place"]');
    await page.$eval('#api-input', (t) => ((t as HTMLTextAreaElement).value = JSON.stringify({ sku: 'mug', qty: 1, card: '4242424242424242', email: 'ada@example.com' })));
    await page.click('#api-call');
    await until('the answer', () => document.getElementById('api-answer')?.textContent?.includes('"paymentId"') === true);
    await page.screenshot({ path: join(SHOTS, 'api.png') });

    await page.click('#api-trace');
    await until('the trace of the call', () => !!document.querySelector('#trace-detail [data-span]') && document.querySelectorAll('#trace-detail li').length >= 4);
    const calls = await page.$$eval('#trace-detail li > strong', (s) => s.map((x) => x.textContent));
    expect(calls).toEqual(expect.arrayContaining(['orders.place', 'catalog.get', 'inventory.reserve', 'payments.charge']));
    await page.screenshot({ path: join(SHOTS, 'traces.png') });

    await page.click('#tab-logs');
    await until('the confirmation mail in the logs', () => [...document.querySelectorAll('#log-lines li')].some((li) => li.textContent?.includes('order confirmation sent')));
    await page.type('#log-text', 'confirmation');
    expect(await page.$$eval('#log-lines li', (lis) => lis.every((li) => li.textContent!.toLowerCase().includes('confirmation')))).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'logs.png') });

    await page.click('#tab-calls');
    await until('the calls in the graph', () => !!document.querySelector('[data-edge="dashboard->orders"]') && !!document.querySelector('[data-edge="orders->payments"]'));
    expect(await page.$$eval('svg.graph g.node', (nodes) => nodes.map((n) => n.getAttribute('data-cell')))).toEqual(expect.arrayContaining(['dashboard', 'orders', 'payments', 'inventory', 'catalog']));
    await page.screenshot({ path: join(SHOTS, 'calls.png') });
  });

  it('is keyboard navigable: tabs move with the arrow keys and every view is reachable without a mouse', { timeout: 30_000 }, async () => {
    await page.focus('#tab-calls');
    await page.keyboard.press('ArrowRight');
    expect(await page.$eval('#tab-traces', (t) => [t.getAttribute('aria-selected'), document.activeElement === t])).toEqual(['true', true]);
    expect(await page.$eval('#view-traces', (v) => (v as HTMLElement).hidden)).toBe(false);
    await page.keyboard.press('End');
    expect(await page.$eval('#tab-api', (t) => t.getAttribute('aria-selected'))).toBe('true');
    await page.keyboard.press('Home');
    await page.keyboard.press('Tab'); // into the Tree view's panel
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('view-tree');
  });

  it('is readable on a phone: nothing wider than the screen', { timeout: 30_000 }, async () => {
    await page.setViewport({ width: 390, height: 844 });
    for (const tab of ['tree', 'calls', 'traces', 'logs', 'api']) {
      await page.click(`#tab-${tab}`);
      const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth] as const);
      expect(scroll, `${tab} at phone width`).toBeLessThanOrEqual(width);
    }
    await page.click('#tab-tree');
    await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: false });
  });
});
