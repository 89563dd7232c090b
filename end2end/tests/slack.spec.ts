// Deciding from Slack, in a browser: the stand-in's page shows the message
// Signoff posted, its Approve button sends a signed interaction as Slack
// would, and the review page open in Signoff says so by itself. The
// person behind the click is ada, whom Signoff knows from her sign-in.
import { test, expect } from '@playwright/test';
import { executionStatus, openReview, requestReview } from './helpers';

const slackPage = () => process.env.SIGNOFF_SLACK_PAGE_URL!;

test("the stand-in's Approve decides and the open review page updates", async ({ page, browser }) => {
  const title = `Promote slack-model v${Date.now()} to production`;
  const arn = await requestReview(page, title);
  // Signing in records ada as a person, so her Slack click acts as her.
  await openReview(page, title, 'ada');
  await expect(page.getByRole('button', { name: 'Approve' })).toBeEnabled();

  const slack = await (await browser.newContext()).newPage();
  await slack.goto(`${slackPage()}?user=U0ADA`);
  const message = slack.locator('article.message', { hasText: title });
  await expect(async () => {
    await slack.reload();
    await expect(message).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await message.getByRole('button', { name: 'Approve' }).click();

  // Ada hears privately how it went, and the message loses its buttons.
  const settled = slack.locator('article.message', { hasText: title });
  await expect(async () => {
    await slack.goto(`${slackPage()}?user=U0ADA`);
    await expect(settled.locator('.private')).toContainText('Approved', { timeout: 1_000 });
    await expect(settled.getByRole('button', { name: 'Approve' })).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  // The open review page says so without a reload.
  await expect(page.locator('.review-head .badge')).toHaveText('Approved', { timeout: 15_000 });
  await expect(page.locator('.decisions')).toContainText('ada@example.com');
  await expect(page.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  await expect.poll(() => executionStatus(page, arn), { timeout: 30_000 }).toBe('SUCCEEDED');
});

test('a click from someone Signoff does not know is answered privately and decides nothing', async ({ page, browser }) => {
  const title = `Promote slack-model v${Date.now()} for a stranger`;
  await requestReview(page, title);
  const slack = await (await browser.newContext()).newPage();
  const message = slack.locator('article.message', { hasText: title });
  await expect(async () => {
    await slack.goto(`${slackPage()}?user=U0STRANGER`);
    await expect(message).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await message.getByRole('button', { name: 'Approve' }).click();
  await expect(async () => {
    await slack.goto(`${slackPage()}?user=U0STRANGER`);
    await expect(message.locator('.private')).toContainText('does not know stranger@example.com yet', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(message.getByRole('button', { name: 'Approve' })).toBeVisible();
});
