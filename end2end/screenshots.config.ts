// The README's screenshots, taken from a running demo (not part of the tests):
//   cargo xtask demo            # in one terminal
//   cd end2end && SIGNOFF_BASE_URL=http://127.0.0.1:3000 npx playwright test --config screenshots.config.ts
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({ ...base, testDir: './screenshots' });
