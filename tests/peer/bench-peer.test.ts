// `fanout bench --peer llama.cpp`: llama.cpp timed on the same model (the bundled folder, exported to an
// F16 GGUF on the fly) and the same prompt ids, n = 1 and 32, in the same run as Fanout's rows.
import { describe, expect, it } from 'vitest';
import { requirePeer } from '../fixtures/llama-peer.ts';
import { ensureBuilt, fanout } from '../cli/helpers.ts';

describe.skipIf(!requirePeer())('fanout bench --peer llama.cpp', () => {
  it('times both engines on the same prompt and says how llama.cpp got the prompt into each sequence', async () => {
    await ensureBuilt();
    const common = ['bench', '--n', '1', '--ctx', '16', '--steps', '2', '--as-you-type', '0', '--no-ceilings', '--peer', 'llama.cpp', '--peer-prompt', '40'];
    const r = await fanout([...common, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const peer = JSON.parse(r.stdout).peer;
    expect(peer.llamaCpp.release).toMatch(/^node-llama-cpp 3\.21\.1, llama\.cpp /);
    expect(peer.model).toMatch(/fanout-code-4m \(exported to F16 GGUF\)$/);
    expect(peer.rows.map((x: { n: number }) => x.n)).toEqual([1, 32]);
    for (const row of peer.rows) {
      expect(row.promptTokens).toBe(40);
      for (const k of ['prefillMs', 'msPerStep', 'tokensPerSecond']) expect(row[k], k).toBeGreaterThan(0);
    }
    expect(peer.rows[1].copyMs).toBeGreaterThan(0); // 31 copies of the prompt state
    expect(peer.fanout.map((x: { n: number; msPerStep: number }) => [x.n, x.msPerStep > 0])).toEqual([[1, true], [32, true]]);
    expect(peer.fanoutPrefillMs).toBeGreaterThan(0);
    const table = await fanout(common);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/peer llama\.cpp \(.*CPU, \d+ threads\) on .*prompt 40 tokens/);
    expect(table.stdout).toContain('shares no prompt KV');
  }, 300_000);

  it('names what is wrong: another peer, or a synthetic model', async () => {
    const other = await fanout(['bench', '--peer', 'vllm']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--peer vllm: the one peer is llama\.cpp/);
    const synth = await fanout(['bench', '--model', 'synthetic:tiny', '--peer', 'llama.cpp']);
    expect(synth.code).toBe(2);
    expect(synth.stderr).toMatch(/--peer llama\.cpp needs a model folder or \.gguf file/);
  });
});
