// electron/security.ts against a stand-in app and session: no device is ever granted or chosen (WebHID,
// WebUSB, Web Serial, Web Bluetooth), permissions stay denied but for the editor's clipboard writes, and
// pages cannot navigate away or open windows.
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class FakeSession extends EventEmitter {
    handlers: Record<string, (...args: never[]) => unknown> = {};
    setPermissionRequestHandler(fn: (...args: never[]) => unknown) {
      this.handlers.permissionRequest = fn;
    }
    setPermissionCheckHandler(fn: (...args: never[]) => unknown) {
      this.handlers.permissionCheck = fn;
    }
    setDevicePermissionHandler(fn: (...args: never[]) => unknown) {
      this.handlers.devicePermission = fn;
    }
    webRequest = { onBeforeRequest: (fn: (...args: never[]) => unknown) => (this.handlers.beforeRequest = fn) };
  }
  return { app: new EventEmitter(), session: { defaultSession: new FakeSession() } };
});

import { EventEmitter } from 'node:events';
import * as electron from 'electron';
import { hardenApp } from '../../electron/security.ts';

interface FakeSession extends EventEmitter {
  handlers: Record<string, (...args: unknown[]) => unknown>;
}
const ses = electron.session.defaultSession as unknown as FakeSession;
const app = electron.app as unknown as EventEmitter;

class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  constructor(private readonly url: string) {
    super();
  }
  getURL() {
    return this.url;
  }
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
    this.openHandler = fn;
  }
}

/** An event as Electron passes it: records preventDefault. */
const event = () => ({
  prevented: false,
  preventDefault() {
    this.prevented = true;
  },
});

let log: string[];
beforeEach(() => {
  app.removeAllListeners();
  ses.removeAllListeners();
  ses.handlers = {};
  log = [];
  hardenApp({ dev: false, log: (l) => log.push(l) });
});

describe('hardenApp: devices', () => {
  it('denies every device permission check', () => {
    const check = ses.handlers.devicePermission;
    expect(check).toBeTypeOf('function');
    for (const deviceType of ['hid', 'usb', 'serial', 'bluetooth']) {
      expect(check({ deviceType, origin: 'fanout://app', device: {} })).toBe(false);
    }
  });

  it('cancels the HID, USB and serial choosers with no device (and stops Electron picking one)', () => {
    const hid = event();
    const hidPick = vi.fn();
    ses.emit('select-hid-device', hid, { deviceList: [{ deviceId: 'k1', name: 'keyboard' }], frame: null }, hidPick);
    expect(hid.prevented).toBe(true);
    expect(hidPick).toHaveBeenCalledWith();

    const usb = event();
    const usbPick = vi.fn();
    ses.emit('select-usb-device', usb, { deviceList: [{ deviceId: 'u1' }], frame: null }, usbPick);
    expect(usb.prevented).toBe(true);
    expect(usbPick).toHaveBeenCalledWith();

    const serial = event();
    const serialPick = vi.fn();
    ses.emit('select-serial-port', serial, [{ portId: 'p1', portName: 'ttyUSB0' }], new FakeContents('fanout://app/index.html'), serialPick);
    expect(serial.prevented).toBe(true);
    expect(serialPick).toHaveBeenCalledWith('');

    expect(log).toEqual(["refused a page's request for a HID device", "refused a page's request for a USB device", "refused a page's request for a serial port"]);
  });

  it('cancels the Bluetooth chooser of every web contents with no device', () => {
    for (const url of ['fanout://app/index.html', 'fanout://engine/index.html']) {
      const wc = new FakeContents(url);
      app.emit('web-contents-created', {}, wc);
      const e = event();
      const pick = vi.fn();
      wc.emit('select-bluetooth-device', e, [{ deviceId: 'b1', deviceName: 'headset' }], pick);
      expect(e.prevented, url).toBe(true);
      expect(pick).toHaveBeenCalledExactlyOnceWith('');
    }
  });
});

describe('hardenApp: permissions, navigation, windows and requests', () => {
  it('grants only clipboard writes, and only to the editor page', () => {
    const request = ses.handlers.permissionRequest;
    const answer = (url: string, permission: string) => {
      const cb = vi.fn();
      request(new FakeContents(url), permission, cb);
      return cb.mock.calls[0][0] as boolean;
    };
    expect(answer('fanout://app/index.html', 'clipboard-sanitized-write')).toBe(true);
    expect(answer('fanout://engine/index.html', 'clipboard-sanitized-write')).toBe(false);
    for (const p of ['media', 'geolocation', 'notifications', 'hid', 'serial', 'usb', 'clipboard-read']) expect(answer('fanout://app/index.html', p), p).toBe(false);
    const check = ses.handlers.permissionCheck;
    expect(check(new FakeContents('fanout://app/index.html'), 'clipboard-sanitized-write')).toBe(true);
    expect(check(null, 'clipboard-sanitized-write')).toBe(false);
    expect(check(new FakeContents('fanout://app/index.html'), 'hid')).toBe(false);
  });

  it('keeps pages on their own origin and opens no windows', () => {
    const wc = new FakeContents('fanout://app/index.html');
    app.emit('web-contents-created', {}, wc);
    const away = { ...event(), url: 'https://example.com/' };
    wc.emit('will-navigate', away);
    expect(away.prevented).toBe(true);
    const same = { ...event(), url: 'fanout://app/index.html' };
    wc.emit('will-navigate', same);
    expect(same.prevented).toBe(false);
    expect(wc.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('cancels requests for remote content', () => {
    const filter = ses.handlers.beforeRequest;
    const cancel = (url: string) => {
      const cb = vi.fn();
      filter({ url }, cb);
      return (cb.mock.calls[0][0] as { cancel: boolean }).cancel;
    };
    expect(cancel('fanout://app/app.js')).toBe(false);
    expect(cancel('https://example.com/x.js')).toBe(true);
    expect(cancel('devtools://devtools/bundled/inspector.html')).toBe(true); // dev: false
  });
});
