// Approval policy set by the platform (end2end/signoff-demo.toml): the
// review page says what a review needs and where that came from, a rule
// approves by itself with its evidence, and a requester name hiding a
// zero-width space never becomes a review anyone could approve.
import { test, expect } from '@playwright/test';
import { e2eStateMachine, open, openReview, requestReview, stepFunctions } from './helpers';

test('the review page shows the effective policy and where it came from', async ({ page }) => {
  const title = `Promote policy-model v${Date.now()} to production`;
  await open(page, '/', 'ada');
  await requestReview(page, title, { model: { name: 'policy-model', version: '3', stage: 'production' }, requiredApprovals: 1 });
  await openReview(page, title, 'ada');

  const facts = page.locator('dl.facts');
  await expect(facts.locator('dt', { hasText: 'Policy' }).locator('+ dd')).toHaveClass('policy');
  const policy = facts.locator('dd.policy details');
  await expect(policy.locator('summary')).toHaveText('2 approvals from ml-reviewers: rule two-approvals; the request asked for 1');
  await policy.locator('summary').click();
  await expect(policy.locator('li').last()).toHaveText(/^Policy file version [0-9a-f]{12}\.$/);
  await expect(policy.locator('li').first()).toHaveText('Leads may decide too.');

  // The page's promise holds: one approval does not decide it.
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toHaveText('Approval recorded (1 of 2); the review needs another reviewer.');
  await expect(page.locator('.review-head .badge')).toHaveText('Pending');
});

test('a rule that approves by itself shows who decided and why', async ({ page }) => {
  // Newest first: the demo history's approvals sit before it in deadline order.
  await open(page, '/?status=approved&sort=newest', 'lee');
  const title = 'Refresh embeddings-search v12 in staging';
  const link = page.getByRole('link', { name: title });
  await expect(async () => {
    await page.reload();
    await expect(link).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.locator('.review-head .badge')).toHaveText('Approved');
  await expect(page.locator('.decisions')).toContainText('Approved by policy:embeddings-auto');
  await expect(page.locator('.decisions blockquote')).toContainText('all 2 thresholds pass');
  await expect(page.getByTestId('execution-status')).toHaveText('SUCCEEDED', { timeout: 30_000 });
});

test('the zero-width requester from the demo cannot approve', async ({ page }) => {
  // "dana@example.com" followed by U+200B reads as dana's address; intake
  // refuses it, and the waiting execution fails at once.
  await open(page, '/intake/rejected', 'root');
  const reason = page.getByText('review.requestedBy: must not contain invisible characters: U+200B (a format character) at position 17');
  await expect(async () => {
    await page.reload();
    await expect(reason).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  const machine = await e2eStateMachine(page);
  const { executions } = await stepFunctions(page, 'ListExecutions', { stateMachineArn: machine.stateMachineArn });
  const spoofed = executions.find((e: any) => e.name.startsWith('spoofed-requester-'));
  expect(spoofed, 'the spoofed sample was started').toBeTruthy();
  await expect.poll(async () => (await stepFunctions(page, 'DescribeExecution', { executionArn: spoofed.executionArn })).status,
    { timeout: 30_000 }).toBe('FAILED');
  const failed = await stepFunctions(page, 'DescribeExecution', { executionArn: spoofed.executionArn });
  expect(failed.error).toBe('Signoff.InvalidRequest');

  // Nothing reached dana's queue to approve.
  const dana = await page.context().browser()!.newPage();
  await open(dana, '/', 'dana');
  await expect(dana.getByRole('link', { name: 'Promote credit-risk v3 to staging' })).toBeVisible({ timeout: 30_000 });
  await expect(dana.getByRole('link', { name: 'Promote credit-risk v4 to production' })).toHaveCount(0);
  await dana.close();
});
