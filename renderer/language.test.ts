import { describe, expect, it } from 'vitest';
import { languageForFileName } from './language.ts';
import { formatBytes, formatMs, formatParameters } from './format.ts';

const langs = [
  { id: 'typescript', extensions: ['.ts', '.tsx', '.cts', '.mts'] },
  { id: 'javascript', extensions: ['.js', '.jsx', '.mjs'] },
  { id: 'python', extensions: ['.py'] },
  { id: 'dockerfile', extensions: ['.dockerfile'], filenames: ['Dockerfile'] },
  { id: 'special', extensions: ['.spec.ts'] },
];

describe('languageForFileName', () => {
  it('picks by extension, case-insensitively, ignoring folders', () => {
    expect(languageForFileName('src/main.ts', langs)).toBe('typescript');
    expect(languageForFileName('C:\\code\\APP.JSX', langs)).toBe('javascript');
    expect(languageForFileName('x.py', langs)).toBe('python');
  });
  it('prefers exact file names and the longest extension', () => {
    expect(languageForFileName('Dockerfile', langs)).toBe('dockerfile');
    expect(languageForFileName('a.spec.ts', langs)).toBe('special');
  });
  it('falls back to plaintext', () => {
    expect(languageForFileName('notes.unknown', langs)).toBe('plaintext');
    expect(languageForFileName('.ts', langs)).toBe('plaintext');
  });
});

describe('format', () => {
  it('formats parameter counts, bytes and milliseconds', () => {
    expect(formatParameters(135_000_000)).toBe('135M');
    expect(formatParameters(1_543_000_000)).toBe('1.54B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GiB');
    expect(formatMs(3.14159)).toBe('3.1 ms');
    expect(formatMs(1234.5)).toBe('1235 ms');
  });
});
