// The admins' notifications page: reached from the navigation; anyone else
// is told why not.
import { test, expect } from '@playwright/test';
import { open } from './helpers';

test('an admin opens the notifications from the navigation', async ({ page }) => {
  await open(page, '/', 'root');
  await page.getByRole('link', { name: 'Notifications', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
  await expect(page).toHaveTitle('Notifications · Signoff');
  // end2end/signoff-demo.toml routes every review to the Slack stand-in and
  // to the reviewers' address: the seeded reviews' arrivals are listed.
  await expect(page.getByRole('table')).toContainText('demo-reviewers');
  await expect(page.getByRole('table')).toContainText('slack:C0REVIEWS');
  await expect(page.getByRole('table')).toContainText('email:ml-reviewers@example.com');
});

test('a reviewer has no notifications page', async ({ page }) => {
  await open(page, '/', 'ada');
  await expect(page.getByRole('link', { name: 'Notifications', exact: true })).toHaveCount(0);
  await open(page, '/notifications', 'ada');
  await expect(page.getByRole('alert')).toContainText('This needs the admin role; yours is reviewer.');
  await expect(page.getByText('Nothing has been sent yet.')).toHaveCount(0);
});
