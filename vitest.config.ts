import { defineConfig, type Plugin } from 'vitest/config';

// Loads shaders/*.wgsl as string modules, as esbuild's text loader does for the bundled CLI.
function wgslText(): Plugin {
  return {
    name: 'wgsl-text',
    transform(code, id) {
      if (id.endsWith('.wgsl')) return { code: `export default ${JSON.stringify(code)};`, map: null };
      return null;
    },
  };
}

export default defineConfig({
  plugins: [wgslText()],
  test: {
    include: ['engine/**/*.test.ts', 'protocol/**/*.test.ts', 'tests/**/*.test.ts', 'renderer/**/*.test.ts'],
    // dawn.node is a native addon; separate processes keep one test file's GPU device from another's.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
