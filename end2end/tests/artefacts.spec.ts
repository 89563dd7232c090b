// Artefacts on the review page: presigned links that open the objects from
// the emulator's S3, previews of small ones (fetched once the page is
// shown), a missing one explained.
import { test, expect } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { openReview } from './helpers';

test('a presigned link opens the object from S3, and small artefacts preview', async ({ page, context }) => {
  await openReview(page, 'Promote churn-model v42 to production', 'ada');
  const artefacts = page.locator('section[aria-labelledby="artefacts-h"]');
  const metrics = artefacts.locator('li', { hasText: 'Metrics' });
  // The server sends the page with a placeholder where each text preview
  // goes; the page then fetches the preview itself.
  const html = await (await page.request.get(page.url())).text();
  expect(html).toContain('Loading the preview…');
  expect(html).not.toContain('"auc": 0.912');
  expect(html).not.toContain('&quot;auc&quot;: 0.912');
  await expect(metrics.locator('pre')).toContainText('"auc": 0.912');
  await expect(artefacts.getByText('Loading the preview…')).toHaveCount(0);
  await expect(metrics).toContainText('link valid for 9m');
  await expect(artefacts.getByRole('cell', { name: 'established' })).toBeVisible();

  const [tab] = await Promise.all([
    context.waitForEvent('page'),
    metrics.getByRole('link', { name: 'Open' }).click(),
  ]);
  await tab.waitForLoadState();
  expect(tab.url()).toContain(`${process.env.SIGNOFF_AWS_ENDPOINT}/signoff-demo-artefacts/churn-model/42/metrics.json?`);
  expect(tab.url()).toContain('X-Amz-Signature=');
  await expect(tab.locator('body')).toContainText('"auc":0.912');
  await tab.close();

  // An HTML report is never rendered on the page: it downloads.
  const report = artefacts.locator('li', { hasText: 'Evaluation report' });
  await expect(report.locator('pre')).toHaveCount(0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    report.getByRole('link', { name: 'Download' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('report.html');
  expect(await readFile(await download.path(), 'utf8')).toContain('<h1>Evaluation report</h1>');
});

test('an image previews, and an object never uploaded is explained', async ({ page }) => {
  await openReview(page, 'Promote fraud-detector v17 to production', 'val');
  const curve = page.getByRole('img', { name: 'Precision-recall curve (preview)' });
  await expect(curve).toBeVisible();
  expect(await curve.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  await openReview(page, 'Promote credit-risk v3 to staging', 'val');
  const drift = page.locator('section[aria-labelledby="artefacts-h"] li', { hasText: 'Drift report' });
  await expect(drift.locator('.notice.error')).toHaveText(
    'Nothing is stored at s3://signoff-demo-artefacts/credit-risk/3/drift.html: it may not have been uploaded yet, or it was deleted.',
  );
  await expect(drift.getByRole('link')).toHaveCount(0);
});
