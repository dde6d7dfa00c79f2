// Which URLs the app's pages may load or navigate to. Pure (the tests check it); electron/security.ts
// applies it.
import { APP_HOST, ENGINE_HOST, SCHEME } from './shared.ts';

const OWN_HOSTS = new Set<string>([APP_HOST, ENGINE_HOST]);

/** The fanout:// host of a URL (app or engine), or null for anything else. */
export function ownHost(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === `${SCHEME}:` && OWN_HOSTS.has(u.host) && u.username === '' && u.password === '' && u.port === '' ? u.host : null;
  } catch {
    return null;
  }
}

/** Whether a request may be made at all: our scheme, inline data and blobs, and devtools in development. */
export function allowedRequest(url: string, dev: boolean): boolean {
  if (ownHost(url) !== null) return true;
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  return dev && (url.startsWith('devtools:') || url.startsWith('chrome-devtools:'));
}

/** Whether a page at `from` may navigate to `to`: only within its own fanout:// origin (a page with no URL yet: to any of ours). */
export function allowedNavigation(from: string, to: string): boolean {
  const target = ownHost(to);
  if (target === null) return false;
  const source = ownHost(from);
  return source === null ? from === '' || from === 'about:blank' : source === target;
}
