// The page under test comes from the `app` fixture, so the same specs can drive the web app (now) and
// the Electron app (later): a spec only uses `app.page` and `app.url`, never starts anything itself.
import { test as base, expect, type Page } from '@playwright/test';

export type Target = 'web' | 'electron';

export interface AppUnderTest {
  target: Target;
  page: Page;
  /** The app's URL (web), where the engine host also serves /ws, /models/ and /engine-test.html. */
  url: string;
  /** The web host's base URL for protocol clients (ws://…/ws) and HTTP. */
  hostUrl: string;
}

export const ELECTRON_SKIP_REASON =
  'Electron target: the Electron shell is not in this repository yet; these specs run against the web app ' +
  '(project "web"). To add it, launch the app with _electron.launch() in the `app` fixture (e2e/fixtures.ts).';

export const test = base.extend<{ target: Target; app: AppUnderTest }>({
  target: ['web', { option: true }],
  app: async ({ target, page }, use, testInfo) => {
    if (target === 'electron') {
      console.log(`[${testInfo.title}] skipped: ${ELECTRON_SKIP_REASON}`);
      testInfo.skip(true, ELECTRON_SKIP_REASON);
      return;
    }
    const hostUrl = process.env.FANOUT_E2E_URL;
    if (!hostUrl) throw new Error('FANOUT_E2E_URL is not set: run the specs through e2e/playwright.config.ts (npm run e2e), whose global setup starts the web host.');
    // Surface page errors in the test output: a crash in the renderer should fail loudly.
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    await use({ target, page, url: hostUrl, hostUrl });
  },
});

export { expect };
