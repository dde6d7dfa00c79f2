import { describe, expect, it } from 'vitest';
import { ContextRing, similarity } from './context-ring.ts';

const file = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `const ${tag}${i} = ${i};`).join('\n');

describe('ContextRing', () => {
  it('takes the lines around the cursor, clipped to the file', () => {
    const ring = new ContextRing({ maxChunks: 4, chunkLines: 10, similar: 0.5 });
    ring.pick('a', 'a.ts', file(100, 'a'), 50);
    const [c] = ring.chunksFor('other');
    expect(c.name).toBe('a.ts');
    expect(c.text.split('\n')).toEqual(Array.from({ length: 10 }, (_, i) => `const a${45 + i} = ${45 + i};`));
    ring.pick('b', 'b.ts', file(100, 'b'), 0);
    expect(ring.chunksFor('other')[0].text.split('\n')[0]).toBe('const b0 = 0;');
    ring.pick('c', 'c.ts', file(5, 'c'), 99);
    expect(ring.chunksFor('other')[0].text).toBe(file(5, 'c'));
  });

  it("gives the other files' chunks newest first, never the current file's", () => {
    const ring = new ContextRing();
    ring.pick('a', 'a.ts', file(10, 'a'), 0);
    ring.pick('b', 'b.ts', file(10, 'b'), 0);
    ring.pick('c', 'c.ts', file(10, 'c'), 0);
    expect(ring.chunksFor('b').map((c) => c.name)).toEqual(['c.ts', 'a.ts']);
  });

  it('a chunk mostly like a kept one replaces it (the same place picked twice, or a copy)', () => {
    const ring = new ContextRing({ maxChunks: 8, chunkLines: 10, similar: 0.5 });
    const text = file(40, 'a');
    ring.pick('a', 'a.ts', text, 10);
    ring.pick('a', 'a.ts', text, 12); // 8 of 10 lines in common
    expect(ring.size).toBe(1);
    expect(ring.chunksFor('x')[0].text.startsWith('const a7 =')).toBe(true);
    ring.pick('a', 'a.ts', text, 35); // elsewhere in the file: kept beside it
    expect(ring.size).toBe(2);
  });

  it('keeps the newest maxChunks', () => {
    const ring = new ContextRing({ maxChunks: 3, chunkLines: 10, similar: 0.5 });
    for (const t of ['a', 'b', 'c', 'd', 'e']) ring.pick(t, `${t}.ts`, file(10, t), 0);
    expect(ring.chunksFor('x').map((c) => c.name)).toEqual(['e.ts', 'd.ts', 'c.ts']);
  });

  it('skips chunks of almost nothing, and chunks the current file already holds', () => {
    const ring = new ContextRing();
    ring.pick('a', 'a.ts', '\n\nx\n\n', 1);
    expect(ring.size).toBe(0);
    const lib = file(10, 'lib');
    ring.pick('a', 'a.ts', lib, 0);
    expect(ring.chunksFor('b', `// pasted\n${lib}\n`)).toEqual([]);
    expect(ring.chunksFor('b', 'other text')).toHaveLength(1);
  });

  it('follows a rename', () => {
    const ring = new ContextRing();
    ring.pick('a', 'untitled.ts', file(10, 'a'), 0);
    ring.rename('a', 'src/math.ts');
    expect(ring.chunksFor('b')[0].name).toBe('src/math.ts');
  });
});

describe('similarity', () => {
  it('is the share of common non-blank lines', () => {
    expect(similarity(['a', 'b'], ['a', 'b'])).toBe(1);
    expect(similarity(['a', 'b'], ['c', 'd'])).toBe(0);
    expect(similarity(['a', 'b', '', '  '], ['a', 'c'])).toBe(0.5);
    expect(similarity(['a', 'a'], ['a'])).toBeCloseTo(2 / 3);
    expect(similarity([], ['a'])).toBe(0);
  });
});
