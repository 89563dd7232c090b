// Live pages: what happens elsewhere shows up on an open page without a
// reload (server-sent events from /api/events).
import { test, expect } from '@playwright/test';
import { open, openReview, requestReview } from './helpers';

test('a review arriving while the queue is open appears', async ({ page }) => {
  await open(page, '/', 'bob');
  const title = `Promote live-model v${Date.now()} to production`;
  await requestReview(page, title);
  // No reload: the queue refetches when the stream says a review arrived.
  await expect(page.getByRole('link', { name: title })).toBeVisible({ timeout: 30_000 });
});

test('a decision made in another browser updates an open review page', async ({ page, browser }) => {
  const title = `Promote live-model v${Date.now()} for a second opinion`;
  await open(page, '/', 'ada');
  await requestReview(page, title);
  await openReview(page, title, 'ada');
  await expect(page.getByRole('button', { name: 'Approve' })).toBeEnabled();

  const elsewhere = await browser.newContext();
  const lee = await elsewhere.newPage();
  await openReview(lee, title, 'lee');
  await lee.getByRole('button', { name: 'Approve' }).click();
  await expect(lee.locator('.review-head .badge')).toHaveText('Approved');
  await elsewhere.close();

  // Ada's page says so by itself, and offers no buttons to press in vain.
  await expect(page.locator('.review-head .badge')).toHaveText('Approved', { timeout: 15_000 });
  await expect(page.locator('.decisions')).toContainText('lee');
  await expect(page.getByRole('button', { name: 'Approve' })).toHaveCount(0);
});
