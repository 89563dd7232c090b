// A reviewer works through the queue: approve one review, reject another,
// and see each workflow execution resume in Step Functions (the emulator).
import { test, expect } from '@playwright/test';
import { open, openReview } from './helpers';

test('a reviewer approves a review and the workflow resumes', async ({ page }) => {
  const title = 'Promote churn-model v42 to production';
  await openReview(page, title, 'ada');
  await expect(page.getByText('All 2 thresholds pass.')).toBeVisible();
  await expect(page.getByRole('img', { name: 'auc 0.912, baseline 0.905, passing ≥ 0.85' })).toBeVisible();
  await expect(page.locator('.review-head .badge')).toHaveText('Pending');

  await page.getByLabel('Comment (optional)').fill('Holds up against production.');
  await page.getByRole('button', { name: 'Approve' }).click();

  await expect(page.getByRole('status')).toHaveText('Approved. Step Functions has the decision.');
  await expect(page.locator('.review-head .badge')).toHaveText('Approved');
  await expect(page.getByText('Delivered to Step Functions')).toBeVisible();
  await expect(page.locator('.decisions blockquote')).toHaveText('Holds up against production.');
  await expect(page.getByTestId('execution-status')).toHaveText('SUCCEEDED', { timeout: 30_000 });

  await open(page, '/', 'ada');
  await expect(page.getByRole('link', { name: title })).toHaveCount(0);
});

test('a rejection without a reason is refused by the page and by the server', async ({ page }) => {
  await openReview(page, 'Promote fraud-detector v17 to production', 'ada');
  await expect(page.getByText('1 of 2 thresholds fail.')).toBeVisible();
  // Its threshold is a maximum, so lower is better: its rise is worse.
  const flagged = page.locator('table.metrics tr', { hasText: 'flagged_rate' });
  await expect(flagged.locator('.delta')).toHaveClass(/worse/);
  await expect(flagged).toContainText('▲ +0.019 (worse)');

  const reject = page.getByRole('button', { name: 'Reject' });
  const reason = page.getByLabel('Reason for rejecting (required)');
  await expect(reject).toBeDisabled();
  await expect(page.getByText('A rejection needs a reason')).toBeVisible();
  await reason.fill('   ');
  await expect(reject).toBeDisabled();

  // The server refuses it whatever the page does.
  const id = page.url().split('/reviews/')[1];
  const response = await page.request.post('/api/decide', { form: { id, verdict: 'reject', comment: '  ' } });
  expect(response.status()).toBe(422);
  expect(await response.json()).toEqual({ Invalid: 'A rejection needs a reason.' });
  await page.reload();
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await expect(page.locator('.review-head .badge')).toHaveText('Pending');

  // With a reason it goes through, and the execution fails with Signoff.Rejected.
  await reason.fill('Flag rate breaches its threshold.');
  await reject.click();
  await expect(page.getByRole('status')).toHaveText('Rejected. Step Functions has the decision.');
  await expect(page.locator('.review-head .badge')).toHaveText('Rejected');
  await expect(page.getByTestId('execution-status')).toHaveText('FAILED', { timeout: 30_000 });
  await expect(page.locator('.execution')).toContainText('Signoff.Rejected');
});

test('a malformed request appears as rejected intake, its token redacted', async ({ page }) => {
  await open(page, '/', 'root');
  await page.getByRole('link', { name: 'Rejected intake' }).click();
  await expect(page.getByRole('heading', { name: 'Rejected intake' })).toBeVisible();
  const reason = page.getByText('review.model.name: is required');
  await expect(async () => {
    await page.reload();
    await expect(reason).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByText('review.thresholds.auc.min: must be a number, got string')).toBeVisible();
  await expect(page.locator('body')).not.toContainText('demo-token-of-a-request-with-mistakes');
});
