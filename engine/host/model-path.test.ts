import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandHome, resolveModelPath } from './model-path.ts';

const HOME = '/home/ada';

describe('model paths', () => {
  it('expands ~ and ~/ to the home folder, as a shell would', () => {
    expect(expandHome('~', HOME)).toBe(HOME);
    expect(expandHome('~/models/qwen', HOME)).toBe(join(HOME, 'models/qwen'));
    expect(expandHome('~/', HOME)).toBe(HOME);
  });

  it('leaves every other path alone', () => {
    expect(expandHome('~ada/models', HOME)).toBe('~ada/models');
    expect(expandHome('models/~/x', HOME)).toBe('models/~/x');
    expect(expandHome('/abs/~', HOME)).toBe('/abs/~');
  });

  it('resolves relative paths against the base folder, after expanding ~', () => {
    expect(resolveModelPath(' ~/models/qwen ', '/pkg', HOME)).toBe(join(HOME, 'models/qwen'));
    expect(resolveModelPath('models/fanout-code-4m', '/pkg', HOME)).toBe(resolve('/pkg', 'models/fanout-code-4m'));
    expect(resolveModelPath('/srv/m/../m', '/pkg', HOME)).toBe('/srv/m');
  });
});

describe('the web host resolves ~/ in a dir model reference', () => {
  it('to the home folder, and says which folder it looked for', async () => {
    const { nodeModelSource } = await import('./web-host.ts');
    const source = nodeModelSource({ baseDir: '/pkg', home: '/nonexistent-home-for-test' });
    await expect(source({ kind: 'dir', path: '~/models/qwen' })).rejects.toThrow('No such folder on the host: /nonexistent-home-for-test/models/qwen.');
  });
});
