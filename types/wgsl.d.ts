// WGSL sources are imported as strings (vitest: plugin in vitest.config.ts; esbuild: text loader).
declare module '*.wgsl' {
  const source: string;
  export default source;
}
