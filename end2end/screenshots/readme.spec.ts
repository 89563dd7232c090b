// Takes docs/screenshots/*.png from the demo's sample reviews.
import { test, expect } from '@playwright/test';
import { open, openReview } from '../tests/helpers';

const out = (name: string) => `${__dirname}/../../docs/screenshots/${name}.png`;

test('the queue and a review, wide and light; the queue on a phone, dark', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 760 });
  await open(page, '/', 'ada');
  await expect(page.getByRole('link', { name: 'Promote fraud-detector v17 to production' })).toBeVisible();
  await page.screenshot({ path: out('queue') });

  await openReview(page, 'Promote fraud-detector v17 to production', 'ada');
  await expect(page.getByRole('img', { name: 'Precision-recall curve (preview)' })).toBeVisible();
  await page.screenshot({ path: out('review'), fullPage: true });

  await page.setViewportSize({ width: 375, height: 760 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await open(page, '/', 'ada');
  await page.screenshot({ path: out('queue-phone-dark') });
});

test("the lead's overview with its charts", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 760 });
  await open(page, '/overview', 'lee');
  await expect(page.getByRole('heading', { name: 'Reviews decided per day' })).toBeVisible();
  await page.screenshot({ path: out('overview'), fullPage: true });
});
