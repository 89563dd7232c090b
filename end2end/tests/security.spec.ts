// The web edge in a real browser: every page runs under the Content
// Security Policy with its islands hydrated and nothing blocked, the inline
// script carries the nonce its response names, and a page on another origin
// cannot frame a review.
import { test, expect, Page } from '@playwright/test';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { MAIN_PAGES as pages, open, openReviewInAnyStatus, watchCsp } from './helpers';


/** The nonce the page's policy names, and the ones its scripts carry. */
async function nonces(page: Page, path: string): Promise<{ named: string; carried: string[] }> {
  const response = await page.goto(path);
  const csp = response!.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  const named = /'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  // The `nonce` attribute reads as empty once applied; the property keeps it.
  const carried = await page.evaluate(() => [...document.scripts].map((s) => s.nonce ?? ''));
  return { named, carried };
}

test('every page hydrates under the CSP, its scripts carrying the response nonce', async ({ page }) => {
  const blocked = await watchCsp(page);
  const seen = new Set<string>();
  for (const [path, user] of pages) {
    await open(page, path, user);
    const { named, carried } = await nonces(page, path);
    expect(named.length, path).toBeGreaterThanOrEqual(16);
    expect(carried.length, path).toBeGreaterThan(0);
    expect(carried, path).toEqual(carried.map(() => named));
    expect(seen.has(named), `${path}: a nonce seen before`).toBe(false);
    seen.add(named);
  }
  await openReviewInAnyStatus(page, 'Promote fraud-detector v17 to production', 'lee');
  // The inline preview is a presigned S3 image: the policy lets it load.
  const image = page.locator('img.artefact-image').first();
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  // An island works: the shortcuts dialog opens from the keyboard.
  await page.keyboard.press('?');
  await expect(page.locator('dialog[open]')).toHaveCount(1);
  expect(blocked, 'blocked by the Content Security Policy').toEqual([]);
});

test('a page on another origin cannot frame a review', async ({ page }) => {
  const title = 'Promote fraud-detector v17 to production';
  // Signed in, so a framed review would show (the cookie is same-site).
  await openReviewInAnyStatus(page, title, 'lee');
  const review = page.url();
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (/frame-ancestors|X-Frame-Options/.test(message.text())) refusals.push(message.text());
  });
  // Another origin (another port): a page framing the review, and a frame
  // of its own that shows (the control: framed content can be seen).
  const elsewhere = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    if (request.url === '/inner') {
      response.end('<!doctype html><title>Inner</title><h1>Framed fine</h1>');
      return;
    }
    response.end(
      '<!doctype html><title>Elsewhere</title>' +
        `<iframe id="victim" src="${review}" width="900" height="600" onload="window.victimLoaded = true"></iframe>` +
        '<iframe id="control" src="/inner"></iframe>',
    );
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  try {
    const port = (elsewhere.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as any).victimLoaded === true);
    await expect(page.frameLocator('#control').getByRole('heading', { name: 'Framed fine' })).toBeVisible();
    await expect(page.frameLocator('#victim').getByRole('heading', { name: title })).toHaveCount(0);
    await expect(page.frameLocator('#victim').getByRole('button', { name: 'Approve' })).toHaveCount(0);
    const victim = page.frames().find((frame) => frame !== page.mainFrame() && !frame.url().endsWith('/inner'));
    expect(victim?.url(), 'Chromium shows its error page in the frame').toBe('chrome-error://chromewebdata/');
    await expect.poll(() => refusals.length, 'Chromium reports the refusal').toBeGreaterThan(0);
  } finally {
    elsewhere.close();
  }
});
