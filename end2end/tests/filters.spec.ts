// The queue's filters never hide their state: the controls say what the
// URL says after a reload, after opening a shared link and in the HTML the
// server sends (no JavaScript needed); chips remove one filter, "Clear
// filters" removes them all. Reads only: no review is decided here.
import { test, expect, Page } from '@playwright/test';
import { open } from './helpers';

// Selects are found by name: a label's text includes the option shown.

const FILTERED = '/?q=fraud+detector&model=FRAUD-Detector&status=approved&sort=newest&failing=1';

async function expectControls(page: Page) {
  await expect(page.getByLabel('Search', { exact: true })).toHaveValue('fraud detector');
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('FRAUD-Detector');
  await expect(page.getByLabel('Reviewer group', { exact: true })).toHaveValue('');
  await expect(page.locator('select[name="status"]')).toHaveValue('approved');
  await expect(page.locator('select[name="sort"]')).toHaveValue('newest');
  await expect(page.locator('select[name="priority"]')).toHaveValue('');
  await expect(page.getByLabel('Failing thresholds only', { exact: true })).toBeChecked();
}

test('the queue shows its filters after applying, after a reload and from a shared link', async ({ page, browser }) => {
  await open(page, '/', 'lee');
  await page.getByLabel('Search', { exact: true }).fill('fraud detector');
  await page.getByLabel('Model', { exact: true }).fill('FRAUD-Detector');
  await page.locator('select[name="status"]').selectOption('approved');
  await page.locator('select[name="sort"]').selectOption('newest');
  await page.getByLabel('Failing thresholds only', { exact: true }).check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/q=fraud\+detector/);
  await expect(page).toHaveURL(/model=FRAUD-Detector/);
  await expectControls(page);

  await page.reload();
  await expectControls(page);

  // Refining one filter keeps the others.
  await page.locator('select[name="sort"]').selectOption('oldest');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/sort=oldest/);
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('FRAUD-Detector');
  await expect(page.locator('select[name="status"]')).toHaveValue('approved');

  // The same link, opened by someone else.
  const other = await browser.newContext();
  const shared = await other.newPage();
  await open(shared, FILTERED, 'ada');
  await expectControls(shared);
  await other.close();

  // The server's HTML itself says it, for a browser without JavaScript.
  const html = await (await page.request.get(FILTERED)).text();
  expect(html).toContain('name="q" value="fraud detector"');
  expect(html).toContain('<option value="approved" selected');
  expect(html).toContain('name="failing" value="1" checked');
});

test('chips remove one filter each and Clear filters removes them all', async ({ page }) => {
  await open(page, FILTERED, 'lee');
  const chips = page.getByRole('group', { name: 'Filters in force' });
  await expect(chips.getByRole('link', { name: /^Remove the filter/ })).toHaveCount(4);
  await chips.getByRole('link', { name: 'Remove the filter Model: FRAUD-Detector' }).click();
  await expect(page).not.toHaveURL(/model=/);
  await expect(page).toHaveURL(/q=fraud/);
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Search', { exact: true })).toHaveValue('fraud detector');
  await expect(page.locator('select[name="status"]')).toHaveValue('approved');
  await expect(chips.getByRole('link', { name: /^Remove the filter/ })).toHaveCount(3);

  await chips.getByRole('link', { name: 'Clear filters' }).click();
  // The sort is kept: it orders, it does not filter.
  await expect(page).toHaveURL(/\/\?sort=newest$/);
  await expect(page.getByLabel('Search', { exact: true })).toHaveValue('');
  await expect(page.locator('select[name="status"]')).toHaveValue('pending');
  await expect(page.getByLabel('Failing thresholds only', { exact: true })).not.toBeChecked();
  await expect(page.getByRole('group', { name: 'Filters in force' })).toHaveCount(0);
});

test('the model and group inputs offer the known values', async ({ page }) => {
  await open(page, '/', 'ada');
  await expect(page.locator('#known-models option[value="fraud-detector"]')).toHaveCount(1);
  await expect(page.locator('#known-models option[value="churn-model"]')).toHaveCount(1);
  await expect(page.locator('#known-groups option[value="ml-reviewers"]')).toHaveCount(1);
  // Several words, any case, each anywhere in the title, model or
  // requester: the demo's fraud review is found (an earlier spec may have
  // decided it, so each status is looked in).
  const link = page.getByRole('link', { name: 'Promote fraud-detector v17 to production' });
  let seen = 0;
  for (const status of ['pending', 'approved', 'rejected']) {
    await page.goto(`/?q=FRAUD+detector+eve%40&status=${status}`);
    seen += await link.count();
    for (const row of await page.locator('table.queue tbody tr').all()) {
      await expect(row).toContainText(/fraud-detector/i);
    }
  }
  expect(seen).toBe(1);
});
