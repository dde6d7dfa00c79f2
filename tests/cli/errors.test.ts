// Bad input to the CLI: every case must print exactly one line "fanout: error: …" on stderr and exit 2,
// before touching the GPU.
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, fanout } from './helpers.ts';

let dir: string;
let prompt: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-cli-'));
  prompt = join(dir, 'prompt.py');
  await writeFile(prompt, 'def add(a, b):\n    ');
  await mkdir(join(dir, 'not-a-model'));
});

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^fanout: error: /);
  expect(lines[0]).toMatch(pattern);
}

describe('fanout CLI bad input', () => {
  it('no command', async () => {
    expectOneLineError(await fanout([]), /no command given; use one of complete, score, tokenize, detokenize, bench/);
  });

  it('unknown command', async () => {
    expectOneLineError(await fanout(['frobnicate']), /unknown command 'frobnicate'\. See fanout --help\./);
  });

  it('unknown flag', async () => {
    expectOneLineError(await fanout(['complete', '--prompt-file', prompt, '--bogus']), /unknown option '--bogus'.*See fanout complete --help/);
  });

  it('missing required --prompt-file', async () => {
    expectOneLineError(await fanout(['complete']), /required option '--prompt-file <file>' not specified/);
  });

  it('missing prompt file', async () => {
    expectOneLineError(await fanout(['complete', '--prompt-file', join(dir, 'nope.py')]), /cannot read --prompt-file .*nope\.py: no such file; check the path/);
  });

  it('missing suffix file', async () => {
    expectOneLineError(
      await fanout(['complete', '--prompt-file', prompt, '--suffix-file', join(dir, 'nope.py')]),
      /cannot read --suffix-file .*: no such file/,
    );
  });

  it.each([
    [['--n', '0'], /'--n <count>' argument '0' is invalid\. Expected an integer from 1 to 256/],
    [['--n', '257'], /'--n <count>' argument '257' is invalid/],
    [['--n', 'many'], /'--n <count>' argument 'many' is invalid/],
    [['--n', '2.5'], /'--n <count>' argument '2\.5' is invalid/],
    [['--max-tokens', '0'], /'--max-tokens <count>' argument '0' is invalid\. Expected an integer from 1 to 4096/],
    [['--temperature', '-0.5'], /'--temperature <t>' argument '-0\.5' is invalid\. Expected a number from 0 to 10/],
    [['--temperature', 'hot'], /'--temperature <t>' argument 'hot' is invalid/],
    [['--top-p', '0'], /'--top-p <p>' argument '0' is invalid\. Expected a number greater than 0 and at most 1/],
    [['--top-p', '1.5'], /'--top-p <p>' argument '1\.5' is invalid/],
    [['--top-k', '-1'], /'--top-k <k>' argument '-1' is invalid/],
    [['--seed', 'x'], /'--seed <seed>' argument 'x' is invalid\. Expected an integer/],
    [['--stop', 'word'], /'--stop <mode>' argument 'word' is invalid\. Allowed choices are line, block, none/],
    [['--attention', 'flash'], /'--attention <mode>' argument 'flash' is invalid\. Allowed choices are bifurcated, standard/],
    [['--min-tokens', '-1'], /'--min-tokens <count>' argument '-1' is invalid\. Expected an integer from 0 to 4096/],
    [['--min-tokens', '4097'], /'--min-tokens <count>' argument '4097' is invalid/],
  ])('complete %j', async (flags, pattern) => {
    expectOneLineError(await fanout(['complete', '--prompt-file', prompt, ...flags]), pattern);
  });

  it('model folder that does not exist or has no config.json', async () => {
    expectOneLineError(await fanout(['complete', '--prompt-file', prompt, '--model', join(dir, 'missing')]), /--model .*missing: no such folder/);
    expectOneLineError(await fanout(['complete', '--prompt-file', prompt, '--model', join(dir, 'not-a-model')]), /no config\.json in it; pass a Hugging Face model folder/);
    expectOneLineError(await fanout(['score', '--prompt-file', prompt, '--completion-file', prompt, '--model', join(dir, 'missing')]), /no such folder/);
  });

  it('score without its files', async () => {
    expectOneLineError(await fanout(['score', '--prompt-file', prompt]), /required option '--completion-file <file>' not specified/);
    expectOneLineError(await fanout(['score', '--prompt-file', prompt, '--completion-file', join(dir, 'c.txt')]), /cannot read --completion-file/);
  });

  it('bench option values', async () => {
    expectOneLineError(await fanout(['bench', '--n', '1,0']), /'--n <list>' argument '1,0' is invalid\. Expected comma-separated integers from 1 to 256/);
    expectOneLineError(await fanout(['bench', '--ctx', '512,']), /'--ctx <list>' argument '512,' is invalid/);
    expectOneLineError(await fanout(['bench', '--steps', '0']), /'--steps <k>' argument '0' is invalid/);
    expectOneLineError(await fanout(['bench', '--model', 'synthetic:nope']), /--model synthetic:nope: unknown synthetic model "nope": use one of paper-7b-slice, /);
    expectOneLineError(await fanout(['bench', '--model', 'synthetic:tiny?weights=q3_k']), /"tiny\?weights=q3_k": after "\?" give weights=FORMAT, FORMAT one of f16, f32, q8_0, q6_k, q5_k, q4_k, q4_0/);
    expectOneLineError(await fanout(['bench', '--as-you-type', '-1']), /'--as-you-type <tokens>' argument '-1' is invalid/);
    // an output path that cannot be written fails before the run, naming the option and what to do
    expectOneLineError(await fanout(['bench', '--model', 'synthetic:tiny', '--plot', join(dir, 'no-such-folder', 'p.svg')]), /--plot .*p\.svg: cannot write it \(ENOENT\); give a path in a folder you can write to/);
    expectOneLineError(await fanout(['bench', '--model', 'synthetic:tiny', '--save', dir]), /--save .*: cannot write it \(EISDIR\)/);
  });

  it('bad FANOUT_MEMORY_GIB', async () => {
    expectOneLineError(await fanout(['bench', '--model', 'synthetic:tiny'], { env: { FANOUT_MEMORY_GIB: 'lots' } }), /FANOUT_MEMORY_GIB=lots is not a positive number/);
  });

  it('bad FANOUT_PREFIX_CACHE_MIB', async () => {
    const prompt = join(dir, 'prefix-cache-prompt.ts');
    await writeFile(prompt, 'let x = ');
    expectOneLineError(await fanout(['complete', '--prompt-file', prompt, '--n', '1', '--max-tokens', '1'], { env: { FANOUT_PREFIX_CACHE_MIB: '-1' } }), /FANOUT_PREFIX_CACHE_MIB=-1 is not a number ≥ 0; set the MiB of GPU memory kept for recent prompts' K\/V \(0 turns it off\)/);
  });

  it('tokenizer file missing or not JSON', async () => {
    expectOneLineError(await fanout(['tokenize', '--tokenizer', join(dir, 'none.json')]), /cannot read --tokenizer .*none\.json: no such file/);
    expectOneLineError(await fanout(['detokenize', '--tokenizer', prompt]), /--tokenizer .*prompt\.py is not valid JSON/);
    expectOneLineError(await fanout(['tokenize', '--tokenizer', dir]), /it is a directory/);
  });

  it('a stack trace only with FANOUT_DEBUG=1', async () => {
    const r = await fanout(['tokenize', '--tokenizer', join(dir, 'none.json')], { env: { FANOUT_DEBUG: '1' } });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^fanout: error: cannot read --tokenizer/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('--help exits 0 and lists the commands', async () => {
    const r = await fanout(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['complete', 'score', 'tokenize', 'detokenize', 'bench', '--verbose']) expect(r.stdout).toContain(c);
  });
});
