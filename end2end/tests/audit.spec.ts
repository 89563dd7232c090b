// The audit log: leads filter it; reviewers cannot read it.
// Runs after access.spec.ts, whose two-approver test leaves bob's approval.
import { test, expect } from '@playwright/test';
import { open } from './helpers';

test('a lead filters the audit log by person and action', async ({ page }) => {
  await open(page, '/', 'lee');
  await expect(page.getByRole('link', { name: 'Overview' })).toBeVisible();
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  await expect(page.locator('table.audit tbody tr').first()).toBeVisible();

  await page.getByLabel('Person', { exact: true }).fill('bob@');
  await page.locator('select[name="action"]').selectOption('approved');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/actor=bob%40&action=approved/);
  const rows = page.locator('table.audit tbody tr');
  await expect(rows.first()).toContainText('bob@example.com');
  for (const row of await rows.all()) {
    // "approved" lists partial approvals too (bob's is one of two).
    await expect(row.locator('td').nth(2)).toHaveText(/^(approved|approval \d+ of \d+)$/);
    await expect(row).toContainText('bob@example.com');
    // Each row names its review and model, not just "open".
    await expect(row.getByRole('link')).not.toHaveText('open');
    await expect(row.locator('td').nth(4)).toHaveText(/ v\d+$/);
  }

  // The filters stay shown after a reload, as controls and as chips.
  await page.reload();
  await expect(page.getByLabel('Person', { exact: true })).toHaveValue('bob@');
  await expect(page.locator('select[name="action"]')).toHaveValue('approved');
  const chips = page.getByRole('group', { name: 'Filters in force' });
  await expect(chips.getByRole('link', { name: /^Remove the filter/ })).toHaveCount(2);
  // A chip removes its filter alone.
  await chips.getByRole('link', { name: 'Remove the filter Person: bob@' }).click();
  await expect(page).not.toHaveURL(/actor=/);
  await expect(page).toHaveURL(/action=approved/);
  await expect(page.getByLabel('Person', { exact: true })).toHaveValue('');
  await expect(page.locator('select[name="action"]')).toHaveValue('approved');
  await chips.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.locator('select[name="action"]')).toHaveValue('');
  await expect(page.getByRole('group', { name: 'Filters in force' })).toHaveCount(0);
});

test('the audit log opens on review activity and offers decisions only', async ({ page, browser }) => {
  await open(page, '/audit', 'lee');
  const views = page.getByRole('navigation', { name: 'Audit views' });
  await expect(views.getByRole('link', { name: 'Review activity' })).toHaveAttribute('aria-current', 'page');
  const actions = page.locator('table.audit tbody tr td:nth-child(3)');
  await expect(actions.first()).toBeVisible();
  for (const action of await actions.allTextContents()) {
    expect(['viewed', 'signed in', 'signed out', 'artefact link issued']).not.toContain(action);
  }
  await views.getByRole('link', { name: 'Decisions only' }).click();
  await expect(page).toHaveURL(/view=decisions/);
  await expect(views.getByRole('link', { name: 'Decisions only' })).toHaveAttribute('aria-current', 'page');
  await expect(actions.first()).toBeVisible();
  for (const action of await actions.allTextContents()) {
    expect(action).toMatch(/^(approved|rejected|approval \d+ of \d+)$/);
  }
  // A shared link of a filtered view opens as it was sent.
  await page.getByLabel('Model', { exact: true }).fill('Fraud-Detector');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/view=decisions/);
  await expect(page).toHaveURL(/model=Fraud-Detector/);
  const link = page.url();
  const other = await browser.newContext();
  const shared = await other.newPage();
  await open(shared, link, 'lee');
  await expect(shared.getByLabel('Model', { exact: true })).toHaveValue('Fraud-Detector');
  await expect(shared.getByRole('navigation', { name: 'Audit views' }).getByRole('link', { name: 'Decisions only' }))
    .toHaveAttribute('aria-current', 'page');
  await other.close();
});

test('an impossible date is refused by name, with the filters to correct it', async ({ page }) => {
  await open(page, '/audit?from=2026-02-31&actor=bob', 'lee');
  await expect(page.getByRole('alert')).toContainText('from "2026-02-31" is not a date');
  await expect(page.getByLabel('Person', { exact: true })).toHaveValue('bob');
  await expect(page.getByLabel('From', { exact: true })).toHaveAttribute('value', '2026-02-31');
  const answer = await page.request.get('/audit?from=2026-02-31');
  expect(answer.status()).toBe(422);
});

test('a viewer refused the audit log sees only the refusal', async ({ page }) => {
  await open(page, '/audit?actor=bob&action=approved', 'val');
  await expect(page.getByRole('alert')).toContainText('This needs the lead role; yours is viewer.');
  await expect(page.getByLabel('Person', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Filter' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'CSV' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'JSON Lines' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Clear filters' })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Audit views' })).toHaveCount(0);
});

test('a reviewer has no audit log', async ({ page }) => {
  await open(page, '/', 'ada');
  await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  await open(page, '/audit', 'ada');
  await expect(page.getByRole('alert')).toContainText('This needs the lead role; yours is reviewer.');
});

test('a lead downloads the filtered log as JSON Lines, hashes included', async ({ page }) => {
  await open(page, '/audit?action=approved', 'lee');
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'JSON Lines' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('signoff-audit.jsonl');
  const fs = await import('node:fs/promises');
  const lines = (await fs.readFile((await download.path())!, 'utf8')).trim().split('\n');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const entry = JSON.parse(line);
    expect(entry.action).toMatch(/^(approved|approval \d+ of \d+)$/);
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.prev_hash).toMatch(/^[0-9a-f]{64}$/);
  }
});

test('a lead downloads the log as CSV with ISO 8601 times and named reviews', async ({ page }) => {
  await open(page, '/audit?view=decisions', 'lee');
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('signoff-audit.csv');
  const fs = await import('node:fs/promises');
  const lines = (await fs.readFile((await download.path())!, 'utf8')).trim().split('\n');
  expect(lines[0]).toBe('id,at,actor,actor_subject,actor_role,action,review_id,review_title,model,execution_arn,detail,prev_hash,hash');
  expect(lines.length).toBeGreaterThan(1);
  // id, then the time: ISO 8601 in UTC, not epoch milliseconds.
  expect(lines[1]).toMatch(/^\d+,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z,/);
  expect(lines[1]).toMatch(/,arn:aws:states:[^,]+:execution:/);
});

test('a lead sees the overview of decisions and waiting reviews', async ({ page }) => {
  await open(page, '/', 'lee');
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByTestId('median')).toContainText('median time to a decision');
  await expect(page.getByRole('row', { name: /bob@example\.com/ })).toBeVisible();
  await page.getByRole('link', { name: '7 days' }).click();
  await expect(page.getByRole('heading', { name: 'Decisions, last 7 days' })).toBeVisible();
});
