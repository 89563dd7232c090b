// Sign-in, roles and policies, through the provider's real login form.
import { test, expect } from '@playwright/test';
import { executionStatus, open, openReview, signInHere } from './helpers';

test('a deep link survives sign-in and lands on the review', async ({ page, browser }) => {
  await openReview(page, 'Promote demand-forecast v5 to production', 'ada');
  const link = page.url();

  const stranger = await browser.newPage();
  await stranger.goto(link);
  await signInHere(stranger, 'bob');
  await expect(stranger).toHaveURL(link);
  await expect(stranger.getByRole('heading', { level: 1, name: 'Promote demand-forecast v5 to production' })).toBeVisible();
  await expect(stranger.getByRole('button', { name: 'Copy link' })).toBeVisible();
  await stranger.close();
});

test('an attempt to return to another site lands on the queue instead', async ({ page }) => {
  await page.goto('/auth/login?return_to=//evil.example/steal');
  await signInHere(page, 'ada');
  await expect(page).toHaveURL(new RegExp(`^${process.env.SIGNOFF_BASE_URL}/$`));
  await expect(page.getByRole('heading', { name: 'Review queue' })).toBeVisible();
});

test('nobody approves a review they requested', async ({ page }) => {
  await openReview(page, 'Promote credit-risk v3 to staging', 'dana');
  const approve = page.getByRole('button', { name: 'Approve' });
  await expect(approve).toBeDisabled();
  await expect(page.getByText('You requested this review, so someone else has to approve it.')).toBeVisible();

  const id = page.url().split('/reviews/')[1];
  const response = await page.request.post('/api/decide', { form: { id, verdict: 'approve', comment: '' } });
  expect(response.status()).toBe(403);
  await page.reload();
  await expect(page.locator('.review-head .badge')).toHaveText('Pending');
});

test('a viewer can look but not decide', async ({ page }) => {
  await openReview(page, 'Promote demand-forecast v5 to production', 'val');
  await expect(page.locator('.user')).toContainText('viewer');
  await expect(page.getByRole('link', { name: 'Rejected intake' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Notifications', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Approve' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Reject' })).toBeDisabled();
  await expect(page.getByText('Your role (viewer) can view reviews but not decide them.').first()).toBeVisible();

  const id = page.url().split('/reviews/')[1];
  const response = await page.request.post('/api/decide', { form: { id, verdict: 'reject', comment: 'no' } });
  expect(response.status()).toBe(403);
});

test('a two-approver review reaches Step Functions only after the second approval', async ({ page, browser }) => {
  const title = 'Roll out search-ranker v8 to 10% of traffic';
  await openReview(page, title, 'ada');
  const arn = (await page.locator('.arn code').textContent())!.trim();
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toHaveText('Approval recorded (1 of 2); the review needs another reviewer.');
  await expect(page.locator('.review-head .badge')).toHaveText('Pending');
  expect(await executionStatus(page, arn)).toBe('RUNNING');

  const second = await browser.newPage();
  await openReview(second, title, 'bob');
  await second.getByRole('button', { name: 'Approve' }).click();
  await expect(second.getByRole('status')).toHaveText('Approved. Step Functions has the decision.');
  await expect(second.getByTestId('execution-status')).toHaveText('SUCCEEDED', { timeout: 30_000 });
  expect(await executionStatus(second, arn)).toBe('SUCCEEDED');
  await second.close();
});

test('signing out ends the session here and at the provider', async ({ page }) => {
  await open(page, '/', 'lee');
  await expect(page.locator('.user')).toContainText('Lee Lead');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Signed out' })).toBeVisible({ timeout: 15_000 });

  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(page.url().startsWith(process.env.SIGNOFF_OIDC_ISSUER!)).toBeTruthy();
});

test('an admin sees the running settings, without secrets', async ({ page }) => {
  await open(page, '/', 'root');
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByText('ml-reviewers', { exact: true })).toBeVisible();
  const rules = page.getByRole('region', { name: 'Approval policy' }).locator('ol li');
  await expect(rules).toHaveText([/^embeddings-auto: /, /^two-approvals: /, /^demo-models: state machine model-release-demo, e2e-model-release; any model; any stage → 1 approval from ml-reviewers$/]);
  await expect(page.locator('main')).not.toContainText('signoff-demo-secret');
});

test('the deadline counts down while the page is open', async ({ page }) => {
  await page.clock.install();
  await openReview(page, 'Promote demand-forecast v5 to production', 'val');
  const deadline = page.locator('dd.deadline');
  const before = (await deadline.textContent())!;
  expect(before).toMatch(/\(in \d+h \d+m\)$/);
  await page.clock.fastForward('10:00');
  await expect(deadline).not.toHaveText(before);
  const minutes = (text: string) => {
    const [, h, m] = /in (\d+)h (\d+)m/.exec(text)!;
    return Number(h) * 60 + Number(m);
  };
  expect(minutes(before) - minutes((await deadline.textContent())!)).toBeGreaterThanOrEqual(9);
});
