// Working the queue from the keyboard and in bulk: each decision confirmed
// in a dialog with a pre-flight table, each workflow resumed on its own.
import { test, expect } from '@playwright/test';
import { executionStatus, open, requestReview } from './helpers';

test('a reviewer finds, moves to and approves a review from the keyboard', async ({ page }) => {
  const title = `Promote keyboard-model v${Date.now()} to production`;
  await open(page, '/', 'ada');
  const arn = await requestReview(page, title);
  await expect(page.getByRole('link', { name: title, exact: true })).toBeVisible({ timeout: 30_000 });

  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('approve (asks to confirm)');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  // "/" searches; the results are a link, as any filter (and the search
  // a chip, whose name holds the title: links are matched exactly).
  await page.keyboard.press('/');
  await expect(page.locator('#queue-search')).toBeFocused();
  await page.keyboard.type(title);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/q=Promote\+keyboard-model/);
  await expect(page.getByRole('link', { name: title, exact: true })).toBeVisible();
  await page.locator('#queue-search').blur();

  await page.keyboard.press('j');
  await expect(page.getByRole('link', { name: title, exact: true })).toBeFocused();
  await page.keyboard.press('a');
  const dialog = page.getByRole('dialog', { name: 'Approve 1 review' });
  await expect(dialog.getByRole('row', { name: new RegExp(title) })).toContainText('live-model v1');
  // The focus is on the comment box, never on the button: Enter alone
  // decides nothing; Ctrl+Enter confirms.
  const comment = dialog.getByLabel('Comment (optional)');
  await expect(comment).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('button', { name: 'Approve 1 review' })).toBeVisible();
  await expect(dialog.getByRole('status')).toHaveCount(0);
  await page.keyboard.type('Looks good');
  await page.keyboard.press('Control+Enter');

  await expect(dialog.getByRole('status')).toHaveText('1 decided.');
  await expect(dialog.locator('.bulk-outcomes li')).toContainText(`${title} · Decided: Approved. Step Functions has the decision.`);
  await expect(dialog.locator('.bulk-outcomes').getByRole('link', { name: title })).toBeVisible();
  await expect.poll(() => executionStatus(page, arn), { timeout: 30_000 }).toBe('SUCCEEDED');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('link', { name: title, exact: true })).toHaveCount(0);
});

test('a reviewer approves three reviews at once after the pre-flight table', async ({ page }) => {
  const stamp = `${Date.now()}`;
  const titles = [1, 2, 3].map((n) => `Promote bulk-model ${stamp}-${n}`);
  await open(page, `/?q=${stamp}`, 'ada');
  const arns: string[] = [];
  for (const title of titles) arns.push(await requestReview(page, title));
  for (const title of titles) {
    await expect(page.getByRole('link', { name: title })).toBeVisible({ timeout: 30_000 });
    await page.getByRole('checkbox', { name: `Select ${title}` }).check();
  }
  await expect(page.getByRole('region', { name: 'Selected reviews' })).toContainText('3 selected');
  await page.getByRole('button', { name: 'Approve selected…' }).click();

  const dialog = page.getByRole('dialog', { name: 'Approve 3 reviews' });
  for (const title of titles) {
    const row = dialog.getByRole('row', { name: new RegExp(title) });
    await expect(row).toContainText('live-model v1');
    await expect(row).toContainText('The one threshold passes.');
    await expect(row).toContainText('ci@example.com');
  }
  await dialog.getByRole('button', { name: 'Approve 3 reviews' }).click();
  await expect(dialog.getByRole('status')).toHaveText('3 decided.');
  for (const arn of arns) {
    await expect.poll(() => executionStatus(page, arn), { timeout: 30_000 }).toBe('SUCCEEDED');
  }
  await dialog.getByRole('button', { name: 'Close' }).click();
  for (const title of titles) await expect(page.getByRole('link', { name: title })).toHaveCount(0);
});

test('`a` right after ticking a box approves the ticked review', async ({ page }) => {
  const title = `Promote tick-model v${Date.now()} to production`;
  await open(page, '/', 'ada');
  await requestReview(page, title);
  await expect(page.getByRole('link', { name: title })).toBeVisible({ timeout: 30_000 });
  // The click leaves the focus on the checkbox: a box is not a text field.
  await page.getByRole('checkbox', { name: `Select ${title}` }).click();
  await expect(page.getByRole('checkbox', { name: `Select ${title}` })).toBeFocused();
  await page.keyboard.press('a');
  const dialog = page.getByRole('dialog', { name: 'Approve 1 review' });
  await expect(dialog.getByRole('row', { name: new RegExp(title) })).toBeVisible();
  await page.keyboard.press('Escape');
});
