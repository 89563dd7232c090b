// Shared steps: open a page and wait for hydration; find a sample review.
import { expect, Page } from '@playwright/test';

/** Opens `path` and waits until the WASM has hydrated the page. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
}

/** Opens the queue, waits for the review titled `title` to arrive through
 *  SQS, and opens it. */
export async function openReview(page: Page, title: string) {
  await open(page, '/');
  const link = page.getByRole('link', { name: title });
  await expect(async () => {
    await page.reload();
    await expect(link).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
}
