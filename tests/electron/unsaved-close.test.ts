// Closing the editor window or quitting with unsaved tabs (electron/unsaved-close.ts): when to ask, what
// the dialog says, and the close/quit events it stops and lets through, on a stand-in window.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { closeDecision, PROCEED_BUTTON, UnsavedGuard, unsavedPrompt, type UnsavedPrompt } from '../../electron/unsaved-close.ts';

describe('closeDecision', () => {
  it('asks only while tabs are unsaved and the user has not agreed; never twice at once', () => {
    expect(closeDecision({ unsaved: 0, confirmed: false, asking: false })).toBe('proceed');
    expect(closeDecision({ unsaved: 2, confirmed: false, asking: false })).toBe('ask');
    expect(closeDecision({ unsaved: 2, confirmed: false, asking: true })).toBe('wait');
    expect(closeDecision({ unsaved: 2, confirmed: true, asking: false })).toBe('proceed');
  });
});

describe('unsavedPrompt', () => {
  it('counts the files, says the draft keeps their text and that Save writes them; Cancel is the default', () => {
    const p = unsavedPrompt(3, 'close');
    expect(p.message).toBe('Close Fanout with 3 unsaved files?');
    expect(p.detail).toContain("Their text stays in Fanout's draft and comes back the next time you open Fanout");
    expect(p.detail).toContain('not saved to any file');
    expect(p.detail).toContain('File > Save');
    expect(p.buttons[PROCEED_BUTTON]).toBe('Close');
    expect(p.buttons[p.cancelId]).toBe('Cancel');
    expect(p.defaultId).toBe(p.cancelId);
  });
  it('speaks of one file and of quitting', () => {
    const p = unsavedPrompt(1, 'quit');
    expect(p.message).toBe('Quit Fanout with 1 unsaved file?');
    expect(p.detail).toMatch(/^Its text stays/);
    expect(p.detail).toContain('in that tab');
    expect(p.buttons).toEqual(['Quit', 'Cancel']);
  });
});

/** A window that emits a cancellable 'close' as BrowserWindow does, and closes unless it was prevented. */
class FakeWindow extends EventEmitter {
  closed = false;
  close() {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (!prevented) this.closed = true;
  }
}

function setup(answer: boolean | 'fail') {
  const asked: UnsavedPrompt[] = [];
  let reply: (ok: boolean) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const log = vi.fn();
  const guard = new UnsavedGuard(
    (p) =>
      new Promise<boolean>((resolve, reject) => {
        asked.push(p);
        reply = resolve;
        fail = reject;
      }),
    log,
  );
  const win = new FakeWindow();
  win.on('close', (e) => guard.intercept('close', e, () => win.close()));
  const answerNow = async () => {
    if (answer === 'fail') fail(new Error('no display'));
    else reply(answer);
    await Promise.resolve();
    await Promise.resolve();
  };
  return { guard, win, asked, answerNow, log };
}

describe('UnsavedGuard', () => {
  it('closes at once when nothing is unsaved', () => {
    const { guard, win, asked } = setup(true);
    guard.report(0);
    win.close();
    expect(win.closed).toBe(true);
    expect(asked).toEqual([]);
  });

  it('keeps the window open while asking; Close closes it', async () => {
    const { guard, win, asked, answerNow } = setup(true);
    guard.report(2);
    win.close();
    expect(win.closed).toBe(false);
    // A second close while the dialog is up opens no second dialog.
    win.close();
    expect(asked).toHaveLength(1);
    expect(asked[0].message).toBe('Close Fanout with 2 unsaved files?');
    await answerNow();
    expect(win.closed).toBe(true);
  });

  it('Cancel keeps the window open, and the next close asks again', async () => {
    const { guard, win, asked, answerNow } = setup(false);
    guard.report(1);
    win.close();
    await answerNow();
    expect(win.closed).toBe(false);
    win.close();
    expect(asked).toHaveLength(2);
  });

  it('does not ask once the tabs were saved (the page reports 0)', () => {
    const { guard, win, asked } = setup(true);
    guard.report(1);
    guard.report(0);
    win.close();
    expect(win.closed).toBe(true);
    expect(asked).toEqual([]);
  });

  it('stops a quit, asks with the quit wording, and quits again when agreed (then lets it through)', async () => {
    const { guard, asked, answerNow } = setup(true);
    guard.report(4);
    const quit = vi.fn();
    const beforeQuit = { preventDefault: vi.fn() };
    expect(guard.intercept('quit', beforeQuit, quit)).toBe(false);
    expect(beforeQuit.preventDefault).toHaveBeenCalled();
    expect(asked[0].message).toBe('Quit Fanout with 4 unsaved files?');
    await answerNow();
    expect(quit).toHaveBeenCalledTimes(1);
    // The quit that follows, and the window close it causes, go through.
    const again = { preventDefault: vi.fn() };
    expect(guard.intercept('quit', again, quit)).toBe(true);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });

  it('closes when the dialog cannot be shown (the draft still has the text)', async () => {
    const { guard, win, answerNow, log } = setup('fail');
    guard.report(1);
    win.close();
    await answerNow();
    expect(win.closed).toBe(true);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('no display'));
  });
});
