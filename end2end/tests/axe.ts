// axe-core (from npm) run on the page as it is: the serious and critical
// violations, or all of them, shared by the specs that check a page or a
// dialog.
import { Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';

const axePath = path.join(__dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');
const axeSource = fs.readFileSync(axePath, 'utf8');

/** Serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  return violations(page, true);
}

/** Every violation on the page as it is now, whatever its impact. */
export async function allViolations(page: Page): Promise<string[]> {
  return violations(page, false);
}

async function violations(page: Page, seriousOnly: boolean): Promise<string[]> {
  // Evaluated by the test driver: an injected <script> tag would be (and
  // must be) refused by the page's Content Security Policy.
  await page.evaluate(axeSource);
  return page.evaluate(async (seriousOnly: boolean) => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v: any) => !seriousOnly || v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  }, seriousOnly);
}
