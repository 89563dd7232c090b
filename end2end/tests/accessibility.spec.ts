// axe-core (from npm, injected into the page) on every page, light and dark,
// and on the dialogs: no serious or critical violations.
import { test, expect } from '@playwright/test';
import { MAIN_PAGES as pages, open, openReview } from './helpers';
import { seriousViolations } from './axe';

for (const scheme of ['light', 'dark'] as const) {
  test(`every page passes axe in ${scheme} mode`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [path, user] of pages) {
      await open(page, path, user);
      expect(await seriousViolations(page), path).toEqual([]);
    }
    await openReview(page, 'Promote fraud-detector v17 to production', 'lee');
    await expect(page.locator('section[aria-labelledby="artefacts-h"] .btn').first()).toBeVisible();
    expect(await seriousViolations(page), 'review page').toEqual([]);

    // The dialogs, open.
    await page.keyboard.press('a');
    await expect(page.getByRole('dialog', { name: 'Approve 1 review' }).getByRole('row')).toHaveCount(2);
    expect(await seriousViolations(page), 'decision dialog').toEqual([]);
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
    expect(await seriousViolations(page), 'shortcuts dialog').toEqual([]);
  });
}
