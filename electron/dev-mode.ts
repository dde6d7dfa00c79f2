// Whether this run is a development run: developer tools in every window, the View menu's Reload and
// Toggle Developer Tools, and devtools:// requests let through (electron/security.ts). A packaged app is
// never one, whatever its environment says: anyone who can start it with an environment variable must
// not get a devtools console into the app that way. Run from the repository (npm start) it is one, unless
// FANOUT_DEV=0 asks for the packaged app's behaviour.
export function isDevRun(isPackaged: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (isPackaged) return false;
  return env.FANOUT_DEV !== '0';
}
