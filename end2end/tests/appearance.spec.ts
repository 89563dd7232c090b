// The page holds still and fits: no layout shift while it loads and
// hydrates, and nothing wider than a 375 px phone, in light or dark.
// (Files run in name order: this one before decide.spec.ts decides the
// fraud review it opens.)
import { test, expect, Page } from '@playwright/test';
import { open, openReview } from './helpers';

/** Sums layout shifts from the start of every document the page loads. */
async function recordShifts(page: Page) {
  await page.addInitScript(() => {
    (window as any).__shift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as any[]) {
        if (!entry.hadRecentInput) (window as any).__shift += entry.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

const shift = (page: Page) => page.evaluate(() => (window as any).__shift as number);
const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test('pages do not shift when hydration finishes', async ({ page }) => {
  await recordShifts(page);
  for (const [path, user] of [['/', 'ada'], ['/audit', 'lee'], ['/overview', 'lee']]) {
    await open(page, path, user);
    expect(await shift(page), path).toBeLessThan(0.01);
  }
  await openReview(page, 'Promote fraud-detector v17 to production', 'ada');
  await page.reload();
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await expect(page.getByRole('img', { name: 'Precision-recall curve (preview)' })).toBeVisible();
  expect(await shift(page), 'review page').toBeLessThan(0.01);
});

for (const scheme of ['light', 'dark'] as const) {
  test(`every page fits a 375 px phone in ${scheme} mode`, async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 760 });
    await page.emulateMedia({ colorScheme: scheme });
    for (const [path, user] of [['/', 'lee'], ['/audit', 'lee'], ['/overview', 'lee'], ['/settings', 'root']]) {
      await open(page, path, user);
      expect(await overflow(page), path).toBeLessThanOrEqual(0);
    }
    await openReview(page, 'Promote fraud-detector v17 to production', 'lee');
    await expect(page.getByRole('img', { name: 'Precision-recall curve (preview)' })).toBeVisible();
    expect(await overflow(page), 'review page').toBeLessThanOrEqual(0);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe(scheme === 'dark' ? 'rgb(18, 22, 20)' : 'rgb(247, 248, 247)');
  });
}
