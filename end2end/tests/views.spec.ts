// Whose reviews the queue lists: "Needs my review" leaves out my own
// requests and the reviews I have approved already, "Requested by me"
// lists mine; in everyone's queue those rows say why I cannot act on them,
// and a review page says who can. Dana is a reviewer in ml-reviewers.
import { test, expect, Page } from '@playwright/test';
import { open, requestReview, waitForQueueLink } from './helpers';
import { seriousViolations } from './axe';

const row = (page: Page, title: string) =>
  page.locator('table.queue tbody tr', { has: page.getByRole('link', { name: title, exact: true }) });
const views = (page: Page) => page.getByRole('navigation', { name: 'Whose reviews' });

test('my views of the queue follow the decision rules, and rows I cannot act on say why', async ({ page }) => {
  const stamp = `${Date.now()}`;
  const mine = `Dana's own request ${stamp}`;
  const pair = `Two approvals ${stamp}`;
  const anyone = `Anyone's request ${stamp}`;
  await open(page, '/', 'dana');
  await requestReview(page, mine, { requestedBy: 'dana@example.com' });
  // The demo policy asks two approvals of policy-model.
  await requestReview(page, pair, { model: { name: 'policy-model', version: '3', stage: 'production' } });
  await requestReview(page, anyone);

  // Dana gives the first of two approvals.
  await (await waitForQueueLink(page, pair)).click();
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText('Approval recorded (1 of 2)');

  // Everyone's queue: the rows she cannot act on say why, in words.
  await page.goto(`/?q=${stamp}`);
  await waitForQueueLink(page, mine);
  await waitForQueueLink(page, anyone);
  await expect(row(page, mine).locator('.row-mark')).toContainText('Your request');
  await expect(row(page, mine).locator('.row-mark')).toContainText('someone else has to approve it');
  await expect(row(page, pair).locator('.row-mark')).toContainText('You approved');
  await expect(row(page, anyone).locator('.row-mark')).toHaveCount(0);
  await expect(views(page).getByRole('link', { name: 'All reviews' })).toHaveAttribute('aria-current', 'page');
  expect(await seriousViolations(page)).toEqual([]);

  // Needs my review: only what she may approve, and the search is kept.
  await views(page).getByRole('link', { name: 'Needs my review' }).click();
  await expect(page).toHaveURL(/view=needs-me/);
  await expect(page).toHaveURL(new RegExp(`q=${stamp}`));
  await expect(views(page).getByRole('link', { name: 'Needs my review' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('link', { name: anyone, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: mine, exact: true })).toHaveCount(0);
  await expect(page.getByRole('link', { name: pair, exact: true })).toHaveCount(0);
  // Applying another filter stays in the view.
  await page.getByLabel('Search', { exact: true }).fill(`anyone ${stamp}`);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/view=needs-me/);
  await expect(page.getByRole('link', { name: anyone, exact: true })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // Requested by me: her own request only.
  await page.goto(`/?q=${stamp}`);
  await views(page).getByRole('link', { name: 'Requested by me' }).click();
  await expect(page).toHaveURL(/view=mine/);
  await expect(page.getByRole('link', { name: mine, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: anyone, exact: true })).toHaveCount(0);
  await expect(page.getByRole('link', { name: pair, exact: true })).toHaveCount(0);

  // Her own review names who can decide it: the group, the people who
  // signed in with it (she is one, but cannot approve her own), and leads.
  await page.getByRole('link', { name: mine, exact: true }).click();
  const deciders = page.getByTestId('deciders');
  await expect(deciders).toContainText('ml-reviewers (');
  await expect(deciders).toContainText('and leads');
  await expect(deciders).not.toContainText('dana@example.com');
  // The one she approved lists her among those who can.
  await page.goto(`/?q=${stamp}`);
  await page.getByRole('link', { name: pair, exact: true }).click();
  await expect(page.getByTestId('deciders')).toContainText('dana@example.com');
});

test('a viewer is told once that they decide nothing, and no row is marked', async ({ page }) => {
  await open(page, '/', 'val');
  await expect(page.locator('.role-note')).toHaveText('Your role (viewer) can view reviews but not decide them.');
  await expect(page.locator('table.queue .row-mark')).toHaveCount(0);
  await page.goto('/?view=needs-me');
  await expect(page.locator('p.empty')).toHaveText(/Nothing needs your review/);
});
