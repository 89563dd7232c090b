// A bulk decision says what it will do before it is sent: the button
// counts only what will be decided, a review with failing thresholds goes
// only when ticked, each result line names its review, and a batch where
// something went wrong is not summed up as a success. On a phone too.
import { test, expect, Page } from '@playwright/test';
import { executionStatus, open, requestReview } from './helpers';
import { seriousViolations } from './axe';

/** Three fresh reviews for Ada: one she may approve, one she asked for
 *  herself (refused), one whose threshold fails; ticked, and the approval
 *  dialog opened. */
async function mixedBatch(page: Page, extra: string[] = []) {
  const stamp = `${Date.now()}`;
  const titles = {
    ok: `Bulk ok ${stamp}`,
    own: `Bulk own ${stamp}`,
    failing: `Bulk failing ${stamp}`,
    extra: extra.map((name) => `Bulk ${name} ${stamp}`),
  };
  await open(page, `/?q=${stamp}`, 'ada');
  const arns: Record<string, string> = {};
  arns.ok = await requestReview(page, titles.ok);
  arns.own = await requestReview(page, titles.own, { requestedBy: 'ada@example.com' });
  arns.failing = await requestReview(page, titles.failing, {
    metrics: { auc: 0.91 },
    thresholds: { auc: { min: 0.95 } },
  });
  for (const title of titles.extra) arns[title] = await requestReview(page, title);
  const all = [titles.ok, titles.own, titles.failing, ...titles.extra];
  for (const title of all) {
    await expect(page.getByRole('link', { name: title })).toBeVisible({ timeout: 30_000 });
    await page.getByRole('checkbox', { name: `Select ${title}` }).check();
  }
  await page.getByRole('button', { name: 'Approve selected…' }).click();
  const dialog = page.getByRole('dialog', { name: `Approve ${all.length} reviews` });
  await expect(dialog.getByRole('row')).toHaveCount(all.length + 1);
  return { titles, arns, dialog };
}

test('a bulk approval skips what is refused, includes a failing review only when ticked, and says what happened', async ({ page, browser }) => {
  const { titles, arns, dialog } = await mixedBatch(page, ['taken']);
  const taken = titles.extra[0];

  // The pre-flight table: each row says what will become of it, in words.
  const own = dialog.getByRole('row', { name: new RegExp(titles.own) });
  await expect(own).toContainText('✗ Will be skipped: You requested this review');
  const failing = dialog.getByRole('row', { name: new RegExp(titles.failing) });
  await expect(failing).toContainText('✗ The one threshold fails.');
  await expect(failing).toContainText('✗ Left out: thresholds fail.');
  await expect(dialog.getByRole('row', { name: new RegExp(titles.ok) })).toContainText('Will be approved.');

  // Focus is on the comment box, not on the button: Enter approves nothing.
  const comment = dialog.getByLabel('Comment (optional)');
  await expect(comment).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('status')).toHaveCount(0);

  // The button counts only what will be decided.
  const tick = dialog.getByRole('checkbox', { name: `Approve anyway: ${titles.failing}` });
  await expect(tick).not.toBeChecked();
  await expect(dialog.getByRole('button', { name: 'Approve 2 (2 will be skipped)' })).toBeEnabled();
  expect(await seriousViolations(page), 'bulk dialog').toEqual([]);
  await tick.check();
  await expect(failing).toContainText('Will be approved.');
  await expect(tick).toBeFocused();
  await tick.uncheck();
  await expect(failing).toContainText('Left out');

  // Meanwhile a lead approves one of them elsewhere: the server refuses it.
  const lead = await (await browser.newContext()).newPage();
  await open(lead, `/?q=${encodeURIComponent(taken)}`, 'lee');
  await lead.getByRole('link', { name: taken, exact: true }).click();
  await lead.getByRole('button', { name: 'Approve' }).click();
  await expect(lead.getByRole('status')).toHaveText('Approved. Step Functions has the decision.');
  await lead.context().close();

  await comment.fill('Weekly batch');
  await dialog.getByRole('button', { name: 'Approve 2 (2 will be skipped)' }).click();

  const summary = dialog.getByRole('status');
  await expect(summary).toHaveText('1 decided, 1 refused, 2 skipped.');
  await expect(summary).not.toHaveClass(/\bok\b/);
  const lines = dialog.locator('.bulk-outcomes li');
  await expect(lines).toHaveCount(4);
  for (const title of [titles.ok, titles.own, titles.failing, taken]) {
    await expect(dialog.locator('.bulk-outcomes').getByRole('link', { name: title })).toBeVisible();
  }
  await expect(lines.filter({ hasText: titles.ok })).toContainText('Decided: Approved.');
  await expect(lines.filter({ hasText: taken })).toContainText('Refused:');
  await expect(lines.filter({ hasText: titles.own })).toContainText('Skipped: You requested this review');
  await expect(lines.filter({ hasText: titles.failing })).toContainText('Skipped: Thresholds fail');

  // Only the one sent was decided; the failing one was never sent.
  await expect.poll(() => executionStatus(page, arns.ok), { timeout: 30_000 }).toBe('SUCCEEDED');
  expect(await executionStatus(page, arns.failing)).toBe('RUNNING');
  expect(await executionStatus(page, arns.own)).toBe('RUNNING');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('link', { name: titles.failing })).toBeVisible();
});

test('a ticked failing review is approved with the rest', async ({ page }) => {
  const { titles, arns, dialog } = await mixedBatch(page);
  await dialog.getByRole('checkbox', { name: `Approve anyway: ${titles.failing}` }).check();
  await dialog.getByRole('button', { name: 'Approve 2 (1 will be skipped)' }).click();
  await expect(dialog.getByRole('status')).toHaveText('2 decided, 1 skipped.');
  await expect.poll(() => executionStatus(page, arns.failing), { timeout: 30_000 }).toBe('SUCCEEDED');
  await expect.poll(() => executionStatus(page, arns.ok), { timeout: 30_000 }).toBe('SUCCEEDED');
  expect(await executionStatus(page, arns.own)).toBe('RUNNING');
});

test('when nothing can be decided the button is disabled and says why, and Cancel has the focus', async ({ page }) => {
  const stamp = `${Date.now()}`;
  const title = `Bulk only own ${stamp}`;
  await open(page, `/?q=${stamp}`, 'ada');
  await requestReview(page, title, { requestedBy: 'ada@example.com' });
  await expect(page.getByRole('link', { name: title })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('checkbox', { name: `Select ${title}` }).check();
  await page.getByRole('button', { name: 'Approve selected…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Approve 1 review' });
  await expect(dialog.getByRole('button', { name: 'Approve none' })).toBeDisabled();
  await expect(dialog).toContainText('None of these reviews can be approved by you');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expect(dialog.getByLabel('Comment (optional)')).toBeHidden();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the bulk dialog fits a 375 px phone (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 375, height: 740 });
    const { titles, dialog } = await mixedBatch(page);

    // Nothing runs off to the side, nor hides behind a sideways scroll:
    // not the page, the dialog, or the table's box.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    for (const box of [dialog, dialog.locator('.table-scroll')]) {
      expect(await box.evaluate((d) => d.scrollWidth - d.clientWidth)).toBeLessThanOrEqual(0);
    }
    // Each review is a card of its own: its fields stacked, the last one
    // (what becomes of it) below the title, not off to the right.
    const row = dialog.locator('tbody tr').first();
    const title = (await row.locator('th').boundingBox())!;
    const fate = (await row.locator('td.fate').boundingBox())!;
    expect(fate.y).toBeGreaterThanOrEqual(title.y + title.height - 1);
    expect(fate.x + fate.width).toBeLessThanOrEqual(375);

    // Buttons and the box: within the screen, 44 px tall.
    const targets = [
      dialog.getByRole('button', { name: /^Approve 1/ }),
      dialog.getByRole('button', { name: 'Cancel' }),
      dialog.locator('label.opt-in'),
    ];
    for (const target of targets) {
      await target.scrollIntoViewIfNeeded();
      const box = (await target.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
      expect(box.height).toBeGreaterThanOrEqual(44);
    }
    await expect(dialog.getByRole('checkbox', { name: `Approve anyway: ${titles.failing}` })).toBeVisible();
    expect(await seriousViolations(page), 'bulk dialog at 375 px').toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  });
}
