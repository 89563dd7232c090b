// Numbers a reviewer can trust: a change is painted better or worse only
// when someone who knows said which way is better, it says who, and a
// failing metric always shows on its queue row, in words as well as colour.
import { test, expect } from '@playwright/test';
import { open, requestReview, waitForQueueLink } from './helpers';

test('deltas are judged only by a known direction, and the page says whose', async ({ page }) => {
  await open(page, '/', 'ada');
  const title = `Directions ${Date.now()}`;
  await requestReview(page, title, {
    metrics: { score: 7, p50_latency_ms: 44, approval_rate: 0.38, ks: 0.44, flagged_rate: 0.071 },
    baseline: { score: 8, p50_latency_ms: 40, approval_rate: 0.36, ks: 0.45, flagged_rate: 0.052 },
    thresholds: { flagged_rate: { max: 0.06 } },
    directions: { approval_rate: 'higher' },
  });
  const link = await waitForQueueLink(page, title);

  // The queue row: the failing metric is the first chip, in words, even
  // though it is the request's last metric; the badge is not the priority's.
  const row = page.locator('table.queue tr', { has: link });
  await expect(row.locator('.badge.failing')).toHaveText('✗ 1 failing');
  const firstChip = row.locator('.chip').first();
  await expect(firstChip).toHaveClass(/failing/);
  await expect(firstChip).toContainText('✗ fail flagged_rate 0.071');
  await expect(firstChip.locator('.delta')).toHaveClass(/worse/);

  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const metric = (name: string) => page.locator('table.metrics tbody tr', { has: page.getByRole('rowheader', { name }) });

  // Nobody said which way is better for a plain "score": neutral, and said.
  await expect(metric('score').locator('.delta')).toHaveClass(/unknown/);
  await expect(metric('score').locator('.delta')).not.toHaveClass(/better|worse/);
  await expect(metric('score')).toContainText('▼ −1 (direction unknown)');
  await expect(metric('score').locator('.direction-note')).toHaveText('direction unknown');
  // A latency going up is a regression, never green.
  await expect(metric('p50_latency_ms').locator('.delta')).toHaveClass(/worse/);
  await expect(metric('p50_latency_ms')).toContainText('▲ +4 (worse)');
  await expect(metric('p50_latency_ms').locator('.direction-note')).toHaveText('lower is better, usual for this name');
  // The request knows its own metric better than the name table does.
  await expect(metric('approval_rate').locator('.delta')).toHaveClass(/better/);
  await expect(metric('approval_rate').locator('.direction-note')).toHaveText('higher is better, as the request says');
  // The test server is configured with ks=higher.
  await expect(metric('ks').locator('.delta')).toHaveClass(/worse/);
  await expect(metric('ks').locator('.direction-note')).toHaveText('higher is better, as Signoff is configured');
  await expect(metric('flagged_rate').locator('.direction-note')).toHaveText('lower is better, from its threshold');
});
