// App-wide hardening, applied to every web contents the app creates:
// - navigation only within the page's own fanout:// origin; no new windows, no <webview>, no redirects
//   elsewhere;
// - no remote content: the default session cancels every request that is not fanout:// (or data:/blob:,
//   and devtools: in development);
// - every permission request denied (WebGPU needs none), except writing to the clipboard from the editor
//   (the editor's Copy);
// - no devices (WebHID, WebUSB, Web Serial, Web Bluetooth): device permission checks are denied, and every
//   device chooser is cancelled with no device (each listener calls preventDefault: a listener that does
//   not lets Electron pick the first device offered).
import { app, session, type WebContents } from 'electron';
import { APP_HOST } from './shared.ts';
import { allowedNavigation, allowedRequest, ownHost } from './url-policy.ts';

export function hardenApp(opts: { dev: boolean; log(line: string): void }): void {
  const noDevice = (kind: string) => opts.log(`refused a page's request for a ${kind}`);
  app.on('web-contents-created', (_e, contents: WebContents) => {
    const stay = (event: { preventDefault(): void }, url: string) => {
      if (allowedNavigation(contents.getURL(), url)) return;
      event.preventDefault();
      opts.log(`blocked navigation to ${url}`);
    };
    contents.on('will-navigate', (e) => stay(e, e.url));
    contents.on('will-redirect', (e) => stay(e, e.url));
    contents.on('will-frame-navigate', (e) => {
      if (!e.isMainFrame) stay(e, e.url);
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    // Web Bluetooth's chooser is a webContents event; the HID, USB and serial ones are the session's (below).
    contents.on('select-bluetooth-device', (e, _devices, callback) => {
      e.preventDefault();
      noDevice('Bluetooth device');
      callback('');
    });
    contents.setWindowOpenHandler(({ url }) => {
      opts.log(`blocked a new window for ${url}`);
      return { action: 'deny' };
    });
  });

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((wc, permission, callback) => {
    callback(permission === 'clipboard-sanitized-write' && ownHost(wc.getURL()) === APP_HOST);
  });
  ses.setPermissionCheckHandler((wc, permission) => permission === 'clipboard-sanitized-write' && wc !== null && ownHost(wc.getURL()) === APP_HOST);
  ses.setDevicePermissionHandler(() => false);
  ses.on('select-hid-device', (e, _details, callback) => {
    e.preventDefault();
    noDevice('HID device');
    callback();
  });
  ses.on('select-usb-device', (e, _details, callback) => {
    e.preventDefault();
    noDevice('USB device');
    callback();
  });
  ses.on('select-serial-port', (e, _ports, _wc, callback) => {
    e.preventDefault();
    noDevice('serial port');
    callback('');
  });
  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = allowedRequest(details.url, opts.dev);
    if (!ok) opts.log(`blocked a request for ${details.url}`);
    callback({ cancel: !ok });
  });
}
