// A review that needs two approvals, seen by its first approver: the panel
// says what it still waits for, offers no second Approve, and lets the
// approval be taken back while the review is pending.
import { test, expect } from '@playwright/test';
import { open, requestReview, waitForQueueLink } from './helpers';

test('the first approver sees the wait, and can withdraw their approval', async ({ page }) => {
  await open(page, '/', 'ada');
  const title = `Two people ${Date.now()}`;
  // The demo policy asks two approvals of policy-model.
  await requestReview(page, title, { model: { name: 'policy-model', version: '3', stage: 'production' } });
  const link = await waitForQueueLink(page, title);
  await link.click();
  await expect(page.getByTestId('approvals')).toHaveText('none of 2 yet');

  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toHaveText('Approval recorded (1 of 2); the review needs another reviewer.');
  await expect(page.getByTestId('waiting')).toHaveText('You approved · waiting for 1 more (ml-reviewers)');
  await expect(page.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
  await expect(page.getByTestId('approvals')).toHaveText('1 of 2 received: ada@example.com');
  // Still so after a reload: the server renders the same state.
  await page.reload();
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await expect(page.getByTestId('waiting')).toBeVisible();

  await page.getByLabel('Why you withdraw it (optional)').fill('Wrong eval set.');
  await page.getByRole('button', { name: 'Withdraw my approval' }).click();
  await expect(page.getByRole('status')).toHaveText('Your approval is withdrawn; the review waits for approvals again.');
  await expect(page.getByRole('button', { name: 'Approve', exact: true })).toBeEnabled();
  await expect(page.getByTestId('approvals')).toHaveText('none of 2 yet');
  await expect(page.locator('.history-panel')).toContainText('approval withdrawn');
  await expect(page.locator('.history-panel')).toContainText('Wrong eval set.');
});
