// Browser tests against a running Signoff (started by `cargo xtask test`,
// which sets SIGNOFF_BASE_URL). Debian's Chromium, never a downloaded one.
import { defineConfig } from '@playwright/test';

const baseURL = process.env.SIGNOFF_BASE_URL;
if (!baseURL) {
  throw new Error('SIGNOFF_BASE_URL is not set: run the browser tests with `cargo xtask test`');
}

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // The tests share one server and its sample reviews: one at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // A stray `test.only` would quietly skip every other test: refuse it.
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
