// Playwright end-to-end tests of the Fanout app (npm run e2e). global-setup.ts starts the web host
// (node scripts/web.mjs) on a free port with the bundled model; the specs get the page under test from
// the `app` fixture (fixtures.ts): the web app now, the Electron app once it exists (project "electron",
// skipped with its reason until then).
//
// One worker: every spec drives the same host, which runs one request at a time.
import { defineConfig } from '@playwright/test';
import type { Target } from './fixtures.ts';

export default defineConfig<{ target: Target }>({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  globalSetup: './global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // The first generate compiles the engine's shaders (lavapipe: tens of seconds on a busy CPU).
  timeout: 240_000,
  expect: { timeout: 30_000 },
  outputDir: './test-results',
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.FANOUT_E2E_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--enable-unsafe-webgpu'],
    },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'web', use: { target: 'web' } },
    { name: 'electron', use: { target: 'electron' } },
  ],
});
