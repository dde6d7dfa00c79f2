// Playwright end-to-end tests of the Fanout app (npm run e2e). global-setup.ts starts the web host
// (node scripts/web.mjs) on a free port with the bundled model; the specs get the page under test from
// the `app` fixture (fixtures.ts): the web app (project "web") or the desktop app launched with
// Playwright's Electron support (project "electron"; skipped, with the reason printed, where the
// Electron binary is not installed). Pick one with --project=web or --project=electron.
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
    {
      name: 'electron',
      use: { target: 'electron' },
      // engine.spec.ts compares the web host's Node engine with the engine page it serves to a browser,
      // and electron-engine-page.spec.ts runs the desktop engine page in a plain browser page: both are
      // about pages outside the app. In the desktop app the engine always runs in Chromium, which every
      // app spec exercises.
      testIgnore: /(^|\/)(engine|electron-engine-page)\.spec\.ts$/,
    },
  ],
});
