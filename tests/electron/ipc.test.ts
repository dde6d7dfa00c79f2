// IPC input checks: who may send (the top frame of our own pages only) and what (zod schemas).
import { describe, expect, it } from 'vitest';
import { decodeTextFile, senderIs } from '../../electron/ipc-schemas.ts';
import { MAX_TEXT_BYTES, MAX_UNSAVED_FILES, menuListenerArgs, noArgs, parseArgs, saveFileArgs, unsavedFilesArgs } from '../../protocol/desktop-ipc.ts';
import { engineReportSchema, resolveModelArgs } from '../../protocol/engine-window.ts';

describe('senderIs', () => {
  it('accepts the top frame of our pages', () => {
    expect(senderIs({ url: 'fanout://app/index.html', parent: null }, 'app')).toBe(true);
    expect(senderIs({ url: 'fanout://app/', parent: null }, 'app')).toBe(true);
    expect(senderIs({ url: 'fanout://engine/index.html', parent: null }, 'engine')).toBe(true);
  });
  it('refuses everything else', () => {
    expect(senderIs(null, 'app')).toBe(false);
    expect(senderIs(undefined, 'app')).toBe(false);
    expect(senderIs({ url: 'fanout://engine/index.html', parent: null }, 'app')).toBe(false);
    expect(senderIs({ url: 'fanout://app/index.html', parent: null }, 'engine')).toBe(false);
    expect(senderIs({ url: 'fanout://app/index.html', parent: {} }, 'app')).toBe(false); // a sub-frame
    for (const url of ['file:///index.html', 'http://app/index.html', 'https://evil.example/', 'fanout://app.evil/', 'fanout://user@app/', 'fanout://app:81/', 'about:blank', '', 'not a url']) {
      expect(senderIs({ url, parent: null }, 'app'), url).toBe(false);
    }
  });
});

describe('saveFile arguments', () => {
  it('accepts what renderer/files.ts sends', () => {
    expect(parseArgs(saveFileArgs, [{ name: 'a.ts', text: 'x' }], 'saveFile')).toEqual([{ name: 'a.ts', text: 'x' }]);
    expect(parseArgs(saveFileArgs, [{ path: '/home/u/a.ts', name: 'a.ts', text: '' }], 'saveFile')[0].path).toBe('/home/u/a.ts');
  });
  it('refuses bad shapes with the field named', () => {
    const bad = (args: unknown[]) => () => parseArgs(saveFileArgs, args, 'saveFile');
    expect(bad([])).toThrow(/saveFile: invalid arguments/);
    expect(bad([{ name: 'a.ts' }])).toThrow(/0\.text/);
    expect(bad([{ name: '../a.ts', text: '' }])).toThrow(/0\.name: must be a file name/);
    expect(bad([{ name: 'a/b.ts', text: '' }])).toThrow(/0\.name/);
    expect(bad([{ name: 'a.ts', text: '', extra: 1 }])).toThrow(/extra/);
    expect(bad([{ name: 'a.ts', text: 5 }])).toThrow(/0\.text/);
    expect(bad([{ name: 'a.ts', text: 'x'.repeat(MAX_TEXT_BYTES + 1) }])).toThrow(/MiB/);
    expect(bad([{ name: 'a.ts', text: '' }, 'more'])).toThrow();
  });
  it('checks the other channels', () => {
    expect(parseArgs(noArgs, [], 'openFile')).toEqual([]);
    expect(() => parseArgs(noArgs, [1], 'openFile')).toThrow();
    expect(parseArgs(menuListenerArgs, [true], 'm')).toEqual([true]);
    expect(() => parseArgs(menuListenerArgs, ['yes'], 'm')).toThrow();
    expect(parseArgs(resolveModelArgs, ['models/x'], 'r')).toEqual(['models/x']);
    expect(() => parseArgs(resolveModelArgs, [''], 'r')).toThrow(/folder or .gguf file path/);
    expect(() => parseArgs(resolveModelArgs, [{ path: 'x' }], 'r')).toThrow();
  });
  it('takes an unsaved-files count: one whole number from 0 up to a bound', () => {
    for (const n of [0, 1, 64, MAX_UNSAVED_FILES]) expect(parseArgs(unsavedFilesArgs, [n], 'u')).toEqual([n]);
    for (const args of [[], [-1], [1.5], [MAX_UNSAVED_FILES + 1], ['3'], [null], [Number.NaN], [Infinity], [{ count: 1 }], [1, 2]]) {
      expect(() => parseArgs(unsavedFilesArgs, args, 'unsavedFiles'), JSON.stringify(args)).toThrow(/unsavedFiles: invalid arguments/);
    }
    expect(() => parseArgs(unsavedFilesArgs, [-1], 'u')).toThrow(/must not be negative/);
  });
});

describe('engine reports', () => {
  it('accepts each report the engine page sends', () => {
    for (const r of [
      { type: 'ready' },
      { type: 'device-lost', reason: 'unknown', message: 'gone' },
      { type: 'model', ref: { kind: 'dir', path: 'models/fanout-code-4m' } },
      { type: 'model', ref: null },
      { type: 'load-start', ref: { kind: 'dir', path: 'models/x' }, path: '/repo/models/x' },
      { type: 'load-end' },
      { type: 'request', conn: 3, id: 'gen-1', kind: 'generate', state: 'start' },
      { type: 'control', events: [{ type: 'error', id: 'main-1', code: 'load-failed', message: 'm', hint: 'h', model: null }] },
      { type: 'log', level: 'error', message: 'x' },
    ]) {
      expect(engineReportSchema.safeParse(r).success, JSON.stringify(r)).toBe(true);
    }
  });
  it('refuses anything else', () => {
    for (const r of [
      null,
      { type: 'nope' },
      { type: 'ready', extra: 1 },
      { type: 'model', ref: { kind: 'dir' } },
      { type: 'load-start', ref: { kind: 'dir', path: 'models/x' } },
      { type: 'load-start', ref: { kind: 'dir', path: 'models/x' }, path: '' },
      { type: 'load-start', ref: { kind: 'dir', path: 'models/x' }, path: 'x'.repeat(4097) },
      { type: 'load-end', path: '/x' },
      { type: 'request', conn: -1, id: 'x', kind: 'generate', state: 'start' },
      { type: 'request', conn: 1, id: '', kind: 'generate', state: 'start' },
      { type: 'control', events: [{ type: 'bogus' }] },
      { type: 'log', level: 'fatal', message: 'x' },
    ]) {
      expect(engineReportSchema.safeParse(r).success, JSON.stringify(r)).toBe(false);
    }
  });
});

describe('decodeTextFile', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('decodes UTF-8 text and drops a BOM', () => {
    expect(decodeTextFile(enc('const x = "é";\n'), 'a.ts')).toEqual({ ok: true, text: 'const x = "é";\n' });
    expect(decodeTextFile(enc('\ufeffabc'), 'a.ts')).toEqual({ ok: true, text: 'abc' });
  });
  it('refuses binary, non-UTF-8 and oversized files', () => {
    expect(decodeTextFile(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 0, 1), 'a.out')).toEqual({ ok: false, message: 'a.out is not a text file' });
    expect(decodeTextFile(Uint8Array.of(0xc3, 0x28), 'x.txt')).toEqual({ ok: false, message: 'x.txt is not UTF-8 text' });
    const big = decodeTextFile(new Uint8Array(MAX_TEXT_BYTES + 1).fill(65), 'big.ts');
    expect(big.ok).toBe(false);
  });
});
