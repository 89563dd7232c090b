// The audit log: leads filter it; reviewers cannot read it.
// Runs after access.spec.ts, whose two-approver test leaves bob's approval.
import { test, expect } from '@playwright/test';
import { open } from './helpers';

test('a lead filters the audit log by person and action', async ({ page }) => {
  await open(page, '/', 'lee');
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
