// Shared steps: sign in through the provider's real login form, open a page
// and wait for hydration, find a sample review.
import { expect, Page } from '@playwright/test';

/** The demo provider's users (end2end/oidc/users.json). */
export const PASSWORDS: Record<string, string> = {
  ada: 'ada-demo', bob: 'bob-demo', lee: 'lee-demo', val: 'val-demo', dana: 'dana-demo', root: 'root-demo',
  noor: 'noor-demo',
};

/** Fills in the provider's login form the page is on. */
export async function signInHere(page: Page, username: string) {
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORDS[username]);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Every page but a review's, each with someone who may open it. */
export const MAIN_PAGES: [string, string][] = [
  ['/', 'lee'],
  ['/audit', 'lee'],
  ['/overview', 'lee'],
  ['/intake/rejected', 'root'],
  ['/notifications', 'root'],
  ['/settings', 'root'],
];

const cspReports = new WeakMap<Page, string[]>();

/** From now on, collects what the Content Security Policy of Signoff's
 *  pages blocks (Chromium's console refusals and `securitypolicyviolation`
 *  events; the provider's own pages are not Signoff's). */
export async function watchCsp(page: Page): Promise<string[]> {
  const known = cspReports.get(page);
  if (known) return known;
  const reports: string[] = [];
  cspReports.set(page, reports);
  const base = process.env.SIGNOFF_BASE_URL!;
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text()) && page.url().startsWith(base)) {
      reports.push(`${page.url()}: ${message.text()}`);
    }
  });
  await page.addInitScript((base: string) => {
    document.addEventListener('securitypolicyviolation', (e) => {
      if (location.href.startsWith(base)) {
        console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
      }
    });
  }, base);
  return reports;
}

/** Opens `path` as `username` (signing in when sent to the provider) and
 *  waits until the WASM has hydrated the page, with nothing blocked by the
 *  Content Security Policy on the way. */
export async function open(page: Page, path: string, username: string) {
  const blocked = await watchCsp(page);
  await page.goto(path);
  if (!page.url().startsWith(process.env.SIGNOFF_BASE_URL!)) {
    await signInHere(page, username);
  }
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  expect(blocked, 'blocked by the Content Security Policy').toEqual([]);
}

/** Opens the review titled `title` as `username` whatever its status (an
 *  earlier spec may have decided it), looking through the queue's statuses. */
export async function openReviewInAnyStatus(page: Page, title: string, username: string) {
  await open(page, '/', username);
  const link = page.getByRole('link', { name: title });
  await expect(async () => {
    for (const status of ['pending', 'approved', 'rejected']) {
      // Newest first: older decided reviews (the demo history) fill a page in deadline order.
      await page.goto(`/?status=${status}&sort=newest`);
      if ((await link.count()) > 0) return;
    }
    throw new Error(`"${title}" is in no status of the queue yet`);
  }).toPass({ timeout: 30_000 });
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
}

/** Reloads the page the browser is on (the queue) until it links to the
 *  review titled `title`, which arrives through SQS; returns the link. */
export async function waitForQueueLink(page: Page, title: string) {
  const link = page.getByRole('link', { name: title });
  await expect(async () => {
    await page.reload();
    await expect(link).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  return link;
}

/** Opens the queue as `username`, waits for the review titled `title` to
 *  arrive through SQS, and opens it. */
export async function openReview(page: Page, title: string, username: string) {
  await open(page, '/', username);
  const link = await waitForQueueLink(page, title);
  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
}

/** The execution's status, asked of the AWS emulator directly. */
export async function executionStatus(page: Page, executionArn: string): Promise<string> {
  return (await stepFunctions(page, 'DescribeExecution', { executionArn })).status;
}

/** Calls the AWS emulator's Step Functions API directly. */
export async function stepFunctions(page: Page, action: string, body: object): Promise<any> {
  const response = await page.request.post(process.env.SIGNOFF_AWS_ENDPOINT!, {
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `AWSStepFunctions.${action}`,
      Authorization: 'AWS4-HMAC-SHA256 Credential=test/20261121/us-east-1/states/aws4_request, SignedHeaders=host, Signature=0',
    },
    data: JSON.stringify(body),
  });
  expect(response.ok()).toBeTruthy();
  return response.json();
}

/** The test stack's state machine, looked for through every page of the
 *  list (the integration tests' machines share the emulator). */
export async function e2eStateMachine(page: Page): Promise<any> {
  let machine: any;
  let nextToken: string | undefined;
  do {
    const listed = await stepFunctions(page, 'ListStateMachines', nextToken ? { nextToken } : {});
    machine = listed.stateMachines.find((m: any) => m.name === 'e2e-model-release');
    nextToken = listed.nextToken;
  } while (!machine && nextToken);
  expect(machine, 'the e2e state machine exists').toBeTruthy();
  return machine;
}

/** Starts an execution of the test stack's state machine asking for a
 *  review titled `title` (a fresh one, so tests do not share reviews);
 *  `changes` replace fields of the review. */
export async function requestReview(page: Page, title: string, changes: object = {}): Promise<string> {
  const machine = await e2eStateMachine(page);
  const review = {
    title,
    model: { name: 'live-model', version: '1', stage: 'production' },
    metrics: { auc: 0.91 },
    baseline: { auc: 0.9 },
    thresholds: { auc: { min: 0.85 } },
    requestedBy: 'ci@example.com',
    reviewerGroup: 'ml-reviewers',
    timeoutSeconds: 3600,
    ...changes,
  };
  const { executionArn } = await stepFunctions(page, 'StartExecution', {
    stateMachineArn: machine.stateMachineArn,
    name: `live-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
    input: JSON.stringify({ review, context: {} }),
  });
  return executionArn;
}
