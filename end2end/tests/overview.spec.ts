// The lead's overview draws three charts on the server (reviews decided per
// day, time to a decision against the target, share within the target per
// week), each with a text alternative and its data in a table; the period
// is a segmented control; a model filter survives a reload; axe finds
// nothing, at a desktop width and on a 375 px phone, light and dark.
// Two fresh reviews of a model of their own are decided first, so no other
// spec's sample review changes state. Unfiltered, the charts show the
// weeks of history `signoff seed --history-days` writes, as the demo does.
import { test, expect } from '@playwright/test';
import { seriousViolations } from './axe';
import { open, openReview, requestReview } from './helpers';

// A model of this run's own (a retried worker or a second run on the same
// database counts only its own decisions).
const RUN = `${Date.now()}`.slice(-6);
const MODEL = `overview-model-${RUN}`;

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  const model = { name: MODEL, version: '1', stage: 'production' };
  const approved = `Promote ${MODEL} v1`;
  const rejected = `Promote ${MODEL} v2`;
  await requestReview(page, approved, { model });
  await requestReview(page, rejected, { model: { ...model, version: '2' } });

  await openReview(page, approved, 'ada');
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.locator('.review-head .badge')).toHaveText('Approved');
  await openReview(page, rejected, 'ada');
  await page.getByLabel('Reason for rejecting (required)').fill('Not this week.');
  await page.getByRole('button', { name: 'Reject' }).click();
  await expect(page.locator('.review-head .badge')).toHaveText('Rejected');
  await page.close();
});

for (const [name, viewport] of [
  ['desktop', { width: 1366, height: 900 }],
  ['a 375 px phone', { width: 375, height: 800 }],
] as const) {
  test(`the overview charts decisions with text alternatives on ${name}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await open(page, '/overview?days=7', 'lee');

    // The period: one group of links, the one in force marked.
    const periods = page.getByRole('navigation', { name: 'Period' });
    await expect(periods.getByRole('link')).toHaveText(['7 days', '30 days', '90 days']);
    await expect(periods.getByRole('link', { name: '7 days' })).toHaveAttribute('aria-current', 'true');
    await expect(periods.locator('[aria-current]')).toHaveCount(1);

    // Filter by the model from its picker; the choice survives a reload and
    // the period links keep it.
    await page.getByLabel('Model').selectOption(MODEL);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(new RegExp(`model=${MODEL}`));
    await page.reload();
    await expect(page.locator('body[data-hydrated]')).toBeAttached();
    await expect(page.getByLabel('Model')).toHaveValue(MODEL);
    await expect(page.locator(`select[name="model"] option[value="${MODEL}"][selected]`)).toHaveCount(1);
    await expect(periods.getByRole('link', { name: '30 days' })).toHaveAttribute('href', new RegExp(`model=${MODEL}`));
    await expect(page.getByTestId('median')).toContainText('2 decided');

    // Three charts, each an image with a summary and a table behind a disclosure.
    const charts = [
      ['chart-per-day', /1 approved and 1 rejected/, 'Table: reviews decided per day', 'Approved'],
      ['chart-time', /Time to a decision for 2 reviews in the last 7 days: 2 within the 4h target, 0 past it/, 'Table: time to a decision', 'Within target'],
      ['chart-weeks', /100% overall \(2 of 2\)/, 'Table: decided within the target, per week', 'Share'],
    ] as const;
    for (const [id, summary, disclosure, column] of charts) {
      const chart = page.getByTestId(id);
      await expect(chart.getByRole('img')).toHaveAttribute('aria-label', summary);
      const table = chart.getByRole('table');
      await expect(table).toBeHidden();
      await chart.getByText(disclosure).click();
      await expect(table).toBeVisible();
      await expect(table.getByRole('columnheader', { name: column })).toBeVisible();
      const box = await chart.locator('svg').boundingBox();
      expect(box!.width, `${id} is drawn`).toBeGreaterThan(200);
    }
    await expect(page.getByTestId('chart-per-day').getByRole('row').filter({ hasText: /^\w{3} \d+\s*1\s*1$/ })).toHaveCount(1);
    await expect(page.getByTestId('chart-time').locator('.target-label')).toHaveText('target 4h');

    // Nothing wider than the screen, with the tables open.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'no horizontal scroll').toBeLessThanOrEqual(0);

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await seriousViolations(page), `${name}, ${scheme}`).toEqual([]);
    }
  });
}

test('the demo history fills the charts, and a history review says what it is', async ({ page }) => {
  await open(page, '/overview?days=30', 'lee');
  const count = async (id: string, pattern: RegExp) => {
    const label = await page.getByTestId(id).getByRole('img').getAttribute('aria-label');
    const found = label?.match(pattern);
    expect(found, `${id}: ${label}`).not.toBeNull();
    return found!.slice(1).map(Number);
  };
  // Weeks of decisions, most within the target, some past it.
  const [decided, within, past] = await count('chart-time', /for (\d+) reviews in the last 30 days: (\d+) within the 4h target, (\d+) past it/);
  expect(decided, 'a month of history').toBeGreaterThanOrEqual(40);
  expect(within).toBeGreaterThan(past);
  expect(past).toBeGreaterThan(0);
  const [approved, rejected] = await count('chart-per-day', /(\d+) approved and (\d+) rejected/);
  expect(approved).toBeGreaterThan(rejected);
  expect(rejected).toBeGreaterThan(0);
  const days = page.getByTestId('chart-per-day').locator('tbody tr');
  expect(await days.count(), 'days with decisions').toBeGreaterThanOrEqual(15);
  const weeks = page.getByTestId('chart-weeks').locator('tbody tr');
  expect(await weeks.count(), 'weeks').toBeGreaterThanOrEqual(4);

  // A review of the history is decided, and says no execution stands behind it.
  await open(page, '/reviews/history-0000', 'lee');
  await expect(page.locator('.review-head .badge')).toHaveText(/Approved|Rejected/);
  await expect(page.getByText(/Demo history, written by signoff seed/).first()).toBeVisible();
  await expect(page.getByTestId('execution-status')).toHaveText('NOT_FOUND');
  await expect(page.getByText(/Step Functions has no such execution/)).toBeVisible();
});
