// What happens around a decision: the next review is one key away, the
// execution opens in the Step Functions console, a decided review stops
// counting down, and a decision made elsewhere never swallows what is
// being typed.
import { test, expect } from '@playwright/test';
import { open, requestReview, waitForQueueLink } from './helpers';

test('after approving, the page offers the next review and stops the countdown', async ({ page }) => {
  await open(page, '/', 'ada');
  const stamp = Date.now();
  const first = `After decision ${stamp} first`;
  const second = `After decision ${stamp} second`;
  await requestReview(page, first, { timeoutSeconds: 600 });
  await requestReview(page, second, { timeoutSeconds: 700 });
  await waitForQueueLink(page, second);
  await (await waitForQueueLink(page, first)).click();
  await expect(page.getByRole('heading', { level: 1, name: first })).toBeVisible();

  // The execution opens in the console of its own region.
  const arn = page.locator('.arn a');
  await expect(arn).toHaveAttribute('href', /^https:\/\/us-east-1\.console\.aws\.amazon\.com\/states\/home\?region=us-east-1#\/v2\/executions\/details\/arn:aws:states:us-east-1:/);
  await expect(page.locator('.deadline')).toContainText(/\(in \d+m/);

  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toHaveText('Approved. Step Functions has the decision.');
  await expect(page.locator('.deadline')).toContainText(/\(decided \d+[sm]( \d+s)? before the deadline\)/);
  const next = page.getByRole('link', { name: /^Next review: / });
  await expect(next).toBeVisible();
  const nextTitle = (await next.textContent())!.replace('Next review: ', '');
  expect(nextTitle).not.toBe(first);

  // `?` lists this page's keys, not the queue's; `j` opens the next review.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('open the next review in the queue');
  await expect(help).not.toContainText('select or unselect it');
  await page.keyboard.press('Escape');
  await page.keyboard.press('j');
  await expect(page.getByRole('heading', { level: 1, name: nextTitle })).toBeVisible();
});

test('on a review page `j` and `k` walk the queue both ways', async ({ page }) => {
  await open(page, '/', 'ada');
  const title = `Walk both ways ${Date.now()}`;
  await requestReview(page, title, { timeoutSeconds: 650 });
  await (await waitForQueueLink(page, title)).click();
  const heading = page.getByRole('heading', { level: 1 });
  await expect(heading).toHaveText(title);
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText('open the previous review in the queue');
  await page.keyboard.press('Escape');
  await page.keyboard.press('j');
  await expect(heading).not.toHaveText(title);
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  // The one before the next is where we started.
  await page.keyboard.press('k');
  await expect(heading).toHaveText(title);
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await page.keyboard.press('k');
  await expect(heading).not.toHaveText(title);
});

test('a reason being typed is kept when someone else decides first', async ({ page, browser }) => {
  await open(page, '/', 'ada');
  const title = `Kept text ${Date.now()}`;
  await requestReview(page, title);
  await (await waitForQueueLink(page, title)).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await page.getByLabel('Reason for rejecting (required)').fill('Recall dropped on the holdout set');

  // Meanwhile a lead approves it in another browser.
  const lead = await (await browser.newContext()).newPage();
  await open(lead, '/', 'lee');
  await (await waitForQueueLink(lead, title)).click();
  await lead.getByRole('button', { name: 'Approve' }).click();
  await expect(lead.getByRole('status')).toHaveText('Approved. Step Functions has the decision.');

  await expect(page.locator('.review-head .badge')).toHaveText('Approved');
  const kept = page.getByTestId('kept-text');
  await expect(kept).toContainText('decided by someone else while you were writing');
  await expect(kept.locator('blockquote')).toHaveText('Recall dropped on the holdout set');
  await expect(page.locator('.decisions')).toContainText('Approved by lee@example.com');
  await lead.context().close();
});

test('the site has a favicon.ico', async ({ page }) => {
  const response = await page.request.get('/favicon.ico');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toMatch(/icon/);
});
