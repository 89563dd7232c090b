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

  await page.getByLabel('Person').fill('bob@');
  await page.getByLabel('Action').selectOption('approved');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/actor=bob%40&action=approved/);
  const rows = page.locator('table.audit tbody tr');
  await expect(rows.first()).toContainText('bob@example.com');
  for (const row of await rows.all()) {
    await expect(row).toContainText('approved');
    await expect(row).toContainText('bob@example.com');
  }
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
    expect(entry.action).toBe('approved');
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.prev_hash).toMatch(/^[0-9a-f]{64}$/);
  }
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
