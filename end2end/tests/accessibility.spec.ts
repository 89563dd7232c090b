// axe-core (from npm, injected into the page) on every page, light and dark,
// and on the dialogs: no serious or critical violations.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAIN_PAGES as pages, open, openReview } from './helpers';

const axePath = path.join(__dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');
const axeSource = fs.readFileSync(axePath, 'utf8');

/** Serious and critical violations on the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated by the test driver: an injected <script> tag would be (and
  // must be) refused by the page's Content Security Policy.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
  return violations;
}


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
