// A reviewer's day on a 375 px phone, and the review page's reading order
// everywhere: evidence before the decision, every metric's pass or fail in
// view without a sideways scroll, labelled figures on the queue's cards,
// touch-sized checkboxes, no keyboard hint on a touch screen; axe (every
// impact, not only serious) on the review page.
import { test, expect } from '@playwright/test';
import { allViolations } from './axe';
import { open, requestReview, waitForQueueLink } from './helpers';

for (const scheme of ['light', 'dark'] as const) {
  test(`a review reads evidence first and fits a phone in ${scheme} mode`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, '/', 'ada');
    const title = `Phone ${scheme} ${Date.now()}`;
    await requestReview(page, title, {
      metrics: { auc: 0.91, recall_at_10: 0.7, p95_latency_ms: 41, a_rather_long_metric_name_for_phones: 3 },
      baseline: { auc: 0.9, recall_at_10: 0.72, p95_latency_ms: 40, a_rather_long_metric_name_for_phones: 2 },
      thresholds: { auc: { min: 0.95 }, p95_latency_ms: { max: 50 } },
    });
    await page.setViewportSize({ width: 375, height: 760 });
    const link = await waitForQueueLink(page, title);

    // The queue's card says which figure is which.
    const row = page.locator('table.queue tr', { has: link });
    for (const label of ['Waiting', 'Due']) {
      const cell = row.locator(`td[data-label="${label}"]`);
      expect(await cell.evaluate((e) => getComputedStyle(e, '::before').content)).toBe(`"${label} "`);
    }
    const tap = await row.locator('label.tap').boundingBox();
    expect(tap!.width).toBeGreaterThanOrEqual(44);
    expect(tap!.height).toBeGreaterThanOrEqual(44);

    await link.click();
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    // In the page's order the metrics come before Approve.
    const metricsFirst = await page.evaluate(() => {
      const metrics = document.getElementById('metrics-h')!;
      const decision = document.getElementById('decision-h')!;
      return Boolean(metrics.compareDocumentPosition(decision) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    expect(metricsFirst).toBe(true);
    // Each metric's check is on screen, not behind a sideways scroll.
    const checks = page.locator('table.metrics td[data-label="Check"]');
    await expect(checks).toHaveCount(4);
    for (const check of await checks.all()) {
      const box = await check.boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    }
    await expect(page.locator('table.metrics tr', { hasText: 'auc' }).first()).toContainText('✗ fail');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    // A bar jumps to the decision from anywhere on the page.
    const jump = page.getByRole('link', { name: 'Decide ↓' });
    await expect(jump).toBeVisible();
    await jump.click();
    await expect(page.getByRole('button', { name: 'Approve' })).toBeInViewport();
    expect(await allViolations(page)).toEqual([]);

    await page.setViewportSize({ width: 1366, height: 900 });
    await expect(jump).toBeHidden();
    const table = page.locator('.table-scroll');
    expect(await table.evaluate((e) => e.scrollWidth - e.clientWidth), 'the chart column is not clipped').toBeLessThanOrEqual(0);
    // Metric names wrap at their underscores, never inside a word.
    const brokenInsideAWord = await page.locator('table.metrics .metric-name').evaluateAll((names) =>
      names.flatMap((name) =>
        [...name.childNodes]
          .filter((node) => node.nodeType === Node.TEXT_NODE)
          .filter((text) => {
            const range = document.createRange();
            range.selectNodeContents(text);
            return range.getClientRects().length > 1;
          })
          .map((text) => text.textContent),
      ),
    );
    expect(brokenInsideAWord).toEqual([]);
    await expect(page.locator('.chart-legend')).toContainText('the passing range');
    expect(await allViolations(page)).toEqual([]);
  });
}

test('a touch screen is not offered keyboard shortcuts', async ({ browser }) => {
  const context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 375, height: 760 } });
  const page = await context.newPage();
  await open(page, '/', 'ada');
  await expect(page.getByRole('heading', { name: 'Review queue' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Keyboard shortcuts (?)' })).toBeHidden();
  await context.close();
});

test('on a phone the queue filters wait behind "Filters (n)"; on a wide screen they are always shown', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 760 });
  await open(page, '/', 'ada');
  const drawer = page.locator('summary', { hasText: /^Filters \(\d+\)$/ });
  await expect(drawer).toHaveText('Filters (0)');
  const search = page.getByLabel('Search', { exact: true });
  await expect(search).toBeHidden();
  // The first screen has the queue, not the form.
  await expect(page.locator('table.queue tbody tr').first()).toBeInViewport();
  await drawer.click();
  await expect(search).toBeVisible();
  await search.fill('churn');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/q=churn/);
  await expect(drawer).toHaveText('Filters (1)');
  // The views stay within the screen: three columns, no sideways scroll.
  const views = page.getByRole('navigation', { name: 'Whose reviews' });
  const box = await views.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(375);
  const tops = await views.getByRole('link').evaluateAll((links) => links.map((l) => l.getBoundingClientRect().top));
  expect(new Set(tops).size, 'the three views side by side').toBe(1);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  expect(await allViolations(page)).toEqual([]);

  await page.setViewportSize({ width: 1366, height: 900 });
  await expect(drawer).toBeHidden();
  await expect(search).toBeVisible();
  await expect(search).toHaveValue('churn');
});
