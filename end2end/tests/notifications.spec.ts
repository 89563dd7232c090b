// The admins' notifications page: reached from the navigation; anyone else
// is told why not.
import { test, expect } from '@playwright/test';
import { open } from './helpers';

test('an admin opens the notifications from the navigation', async ({ page }) => {
  await open(page, '/', 'root');
  await page.getByRole('link', { name: 'Notifications', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  await expect(page).toHaveTitle('Notifications · Signoff');
  // end2end/signoff-demo.toml has no [[notify.route]] and the browser tests'
  // server no --smtp-url: nothing is sent, and the page says how to start.
  await expect(page.getByText('Nothing has been sent yet.')).toBeVisible();
  await expect(page.locator('.empty code', { hasText: '[[notify.route]]' })).toBeVisible();
});

test('a reviewer has no notifications page', async ({ page }) => {
  await open(page, '/', 'ada');
  await expect(page.getByRole('link', { name: 'Notifications', exact: true })).toHaveCount(0);
  await open(page, '/notifications', 'ada');
  await expect(page.getByRole('alert')).toContainText('This needs the admin role; yours is reviewer.');
  await expect(page.getByText('Nothing has been sent yet.')).toHaveCount(0);
});
