// The engine: one loaded model on one GPU device; generate() streams events, score() gives log-probs.
// This is the single API that the CLI, the web host and the Electron engine window all use.
import { weightSummary } from './model/weight-summary.ts';
import type { FormatName } from './formats/format.ts';
import type { GpuContext } from './gpu/context.ts';
import { Readback } from './gpu/readback.ts';
import { DEFAULT_REQUEST, type GenerateEvent, type GenerateRequest, type LoadProgress, type ModelInfo } from '../protocol/engine.ts';
import type { ModelSource } from './model/source.ts';
import { loadModel, type LoadedModel } from './model/load.ts';
import { clipMiddle, ModelError } from './model/errors.ts';
import { Tokenizer } from './tokenizer/tokenizer.ts';
import { generate, PREFILL_CHUNK, type LoadedForGenerate } from './generate.ts';
import type { RequestTokenizer } from './prompt-plan.ts';
import { KvCache } from './kv-cache.ts';
import { PrefixCache } from './prefix-cache.ts';
import type { SamplerKind } from './variants.ts';
import { PrefillPlan } from './model/forward.ts';
import { logSoftmaxAt } from './sampler.ts';
import { checkFits, kvLayout, requestBytes, type RequestShape } from './memory.ts';

export interface EngineOptions {
  /** GPU memory the engine may use in bytes (weights + a request's KV cache and activations). Default 4 GiB. */
  memoryBudget?: number;
  /** Prompt tokens per prefill chunk (default 128). */
  prefillChunk?: number;
  /** Largest KV-cache buffer in bytes (default: the device's storage-binding limit). Tests lower it. */
  kvChunkBytes?: number;
  /**
   * Tokenizes requests and scores off this thread (the Node host: engine/host/tokenize-worker.ts, a worker
   * with a time budget). Default: on this thread, with the model's tokenizer.
   */
  requestTokenizer?: RequestTokenizer;
  /**
   * GPU bytes kept for the context K/V of recent prompts, so a prompt that starts like an earlier one
   * prefills only what is new (engine/prefix-cache.ts). Default: a quarter of the request budget, at
   * most 512 MiB; 0 turns it off.
   */
  prefixCacheBytes?: number;
  /** where tokens are drawn: 'cpu' (engine/sampler.ts) or 'gpu' (shaders/sample.wgsl); default: the device profile's */
  sampler?: SamplerKind;
}

export class EngineBusyError extends Error {
  override name = 'EngineBusyError';
}

export class Engine {
  private model?: LoadedModel & { tokenizer: Tokenizer; info: ModelInfo };
  /** the loaded model's kept prompt K/V (dropped with the model) */
  private prefixCache?: PrefixCache;
  private busy = false;

  private constructor(
    readonly ctx: GpuContext,
    private opts: EngineOptions & { memoryBudget: number; prefillChunk: number },
  ) {}

  static async create(ctx: GpuContext, opts: EngineOptions = {}): Promise<Engine> {
    return new Engine(ctx, { ...opts, memoryBudget: opts.memoryBudget ?? 4 * 1024 ** 3, prefillChunk: opts.prefillChunk ?? PREFILL_CHUNK });
  }

  get info(): ModelInfo | undefined {
    return this.model?.info;
  }

  get tokenizer(): Tokenizer {
    if (!this.model) throw new Error('no model loaded: load a model folder first');
    return this.model.tokenizer;
  }

  /**
   * Loads a model folder, replacing the current model. The new folder is checked first (files, config,
   * tokenizer, every tensor's shape and dtype, the memory budget) while the current model stays loaded:
   * a broken folder leaves it in place. Only then is the current model's GPU memory freed and the new
   * weights streamed in; a failure while streaming (a truncated file, a lost device) leaves no model.
   * `quantize` stores its dense matrices in that quantized format (LoadOptions.quantize).
   */
  async load(source: ModelSource, onProgress?: (p: LoadProgress) => void, opts: { quantize?: FormatName } = {}): Promise<ModelInfo> {
    if (this.busy) throw new EngineBusyError('a request is running: cancel it before loading another model');
    const built: { tokenizer?: Tokenizer; json?: unknown } = {};
    const loaded = await loadModel(this.ctx, source, {
      onProgress,
      quantize: opts.quantize,
      maxBytes: this.opts.memoryBudget,
      beforeAllocate: (json, config) => {
        try {
          built.tokenizer = Tokenizer.fromJSON(json);
          built.json = json;
        } catch (e) {
          // The message names tokenizer.json's fields; for a GGUF file they come from tokenizer.ggml.*.
          const where = source.gguf ? `${clipMiddle(`${source.name}/${source.gguf}`)}: its tokenizer (tokenizer.ggml.*)` : `${source.name}/tokenizer.json`;
          throw new ModelError('bad-tokenizer', `${where}: ${(e as Error).message}`);
        }
        // Ids past the embedding table would read rows that do not exist (the kernel leaves them unchanged).
        if (built.tokenizer.vocabSize > config.vocabSize) {
          throw new ModelError(
            'bad-tokenizer',
            source.gguf
              ? `${clipMiddle(`${source.name}/${source.gguf}`)}: its tokenizer's ids go up to ${built.tokenizer.vocabSize - 1} but the embedding has ${config.vocabSize} rows; the file is damaged or was converted wrongly: download it again.`
              : `${source.name}/tokenizer.json: its ids go up to ${built.tokenizer.vocabSize - 1} but config.json's vocab_size is ${config.vocabSize}; ` +
                  'the tokenizer does not belong to this model. Use the tokenizer.json that came with the weights.',
          );
        }
        this.unload();
      },
    });
    const tokenizer = built.tokenizer;
    if (!tokenizer) throw new Error('internal: loadModel returned without calling beforeAllocate');
    const c = loaded.config;
    const info: ModelInfo = {
      name: loaded.name,
      architecture: c.architecture,
      parameters: loaded.parameters,
      layers: c.layers,
      hidden: c.hidden,
      heads: c.heads,
      kvHeads: c.kvHeads,
      vocab: c.vocabSize,
      contextLength: c.maxPositions,
      dtype: this.ctx.f16 ? 'f16' : 'f32',
      weights: weightSummary(loaded.weights).text,
      device: this.ctx.info.name,
      fim: ['<|fim_prefix|>', '<fim_prefix>'].some((t) => tokenizer.tokenId(t) !== undefined),
    };
    this.model = { ...loaded, tokenizer, info };
    if (this.opts.requestTokenizer) {
      try {
        await this.opts.requestTokenizer.load(built.json);
      } catch (e) {
        this.unload();
        throw e;
      }
    }
    return info;
  }

  /** Each text encoded with specials off, by the request tokenizer when there is one. */
  private async encodeAll(texts: string[]): Promise<number[][]> {
    const rt = this.opts.requestTokenizer;
    return rt ? rt.encode(texts) : texts.map((t) => this.tokenizer.encode(t, { specials: false }));
  }

  /**
   * Runs one small request shaped like the app's (n samples, a prompt of one full prefill chunk, two
   * decode steps, bifurcated attention) and discards it, so that every compute pipeline a request needs is compiled now:
   * on a cold shader cache (lavapipe) that takes tens of seconds, better spent behind the load's
   * progress bar than on the user's first Ctrl+Enter. Returns the milliseconds it took.
   */
  async warmUp(n = DEFAULT_REQUEST.n): Promise<number> {
    const t0 = performance.now();
    const m = this.forGenerate();
    // A prompt of at least prefillChunk tokens (a line is a few tokens in any BPE; doubling: few tokenizer calls).
    let prefix = 'x = 1;\n';
    while ((await this.encodeAll([prefix]))[0].length < m.prefillChunk && prefix.length < 64 * m.prefillChunk) prefix += prefix;
    const req: GenerateRequest = { ...DEFAULT_REQUEST, prefix, n, maxTokens: 2, stop: 'none', seed: 1 };
    for await (const _ of this.generate(req)) void _;
    this.prefixCache?.clear(); // its prompt is no one's
    return performance.now() - t0;
  }

  unload() {
    this.prefixCache?.clear();
    this.prefixCache = undefined;
    if (this.model) destroyWeights(this.model);
    this.model = undefined;
  }

  private forGenerate(): LoadedForGenerate {
    const m = this.model;
    if (!m) throw new Error('no model loaded: load a model folder first');
    const eos = new Set(m.config.eosTokenIds);
    const eot = m.tokenizer.tokenId('<|endoftext|>');
    if (eot !== undefined) eos.add(eot);
    return {
      ctx: this.ctx,
      config: m.config,
      weights: m.weights,
      tokenizer: m.tokenizer,
      eosIds: eos,
      requestBudget: Math.max(0, this.opts.memoryBudget - m.weights.bytes),
      prefillChunk: this.opts.prefillChunk,
      kvChunkBytes: this.opts.kvChunkBytes,
      requestTokenizer: this.opts.requestTokenizer,
      prefixCache: this.prefixCacheFor(Math.max(0, this.opts.memoryBudget - m.weights.bytes)),
      sampler: this.opts.sampler,
    };
  }

  /** The loaded model's prefix cache, made at first use; undefined when turned off. */
  private prefixCacheFor(requestBudget: number): PrefixCache | undefined {
    const bytes = this.opts.prefixCacheBytes ?? Math.min(512 * 1024 ** 2, Math.floor(requestBudget / 4));
    if (bytes <= 0) return undefined;
    return (this.prefixCache ??= new PrefixCache(bytes));
  }

  /** Streams the events of one request; one request at a time. */
  async *generate(req: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerateEvent> {
    const m = this.forGenerate();
    if (this.busy) throw new EngineBusyError('another request is running: cancel it or wait for it to finish');
    this.busy = true;
    try {
      yield* generate(m, req, signal);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Log-probabilities of `completion` given `prompt`: both are tokenized separately and concatenated;
   * logprobs[i] = log p(completion token i | everything before it).
   */
  async score(prompt: string, completion: string): Promise<{ tokens: number[]; logprobs: number[]; sumLogprob: number }> {
    const m = this.forGenerate();
    const [p, t] = await this.encodeAll([prompt, completion]);
    if (p.length === 0) {
      const start = m.tokenizer.tokenId('<|endoftext|>') ?? m.config.bosTokenId;
      if (start === undefined) throw new Error('empty prompt and the model has no BOS or end-of-text token: give a non-empty prompt');
      p.push(start);
    }
    const ids = [...p, ...t];
    const V = m.config.vocabSize;
    const logprobs: number[] = [];
    // Position i's logits predict token i + 1: the completion's tokens are predicted by rows p.length-1 .. ids.length-2.
    await this.forwardRows(ids, p.length - 1, (row, L, off) => {
      if (row < ids.length - 1) logprobs.push(logSoftmaxAt(L, off, V, ids[row + 1]));
    });
    return { tokens: t, logprobs, sumLogprob: logprobs.reduce((a, b) => a + b, 0) };
  }

  /** Logits [ids.length, vocab] f32 of a causal forward over `ids` (batch 1): for parity checks and tests. */
  async logits(ids: number[]): Promise<Float32Array> {
    const V = this.forGenerate().config.vocabSize;
    const out = new Float32Array(ids.length * V);
    await this.forwardRows(ids, 0, (row, L, off) => out.set(L.subarray(off, off + V), row * V));
    return out;
  }

  /** Runs the prefill over `ids` in chunks and hands each row ≥ firstRow's logits to `each(row, logits, offset)`. */
  private async forwardRows(ids: number[], firstRow: number, each: (row: number, logits: Float32Array, offset: number) => void) {
    const m = this.forGenerate();
    if (this.busy) throw new EngineBusyError('another request is running: cancel it or wait for it to finish');
    const c = m.config;
    if (ids.length === 0) throw new Error('nothing to score: the token sequence is empty');
    if (ids.length > c.maxPositions) throw new Error(`${ids.length} tokens are over the model's context of ${c.maxPositions}: shorten the text`);
    for (const id of ids) if (!(Number.isInteger(id) && id >= 0 && id < c.vocabSize)) throw new Error(`token id ${id} is outside the vocabulary [0, ${c.vocabSize})`);
    const rows = Math.min(m.prefillChunk, ids.length);
    const shape: RequestShape = { samples: 1, contextTokens: ids.length, maxNew: 1, mode: 'bifurcated', prefillRows: rows, allLogits: true };
    const need = requestBytes(c, shape, this.ctx.f16);
    m.prefixCache?.makeRoom(Math.max(0, m.requestBudget - need)); // kept prompts give way
    checkFits(need, m.requestBudget - (m.prefixCache?.bytes ?? 0), shape);
    this.busy = true;
    const cache = new KvCache(this.ctx, kvLayout(c, shape, m.kvChunkBytes));
    const readback = new Readback(this.ctx, 'forward.logits');
    let plan: PrefillPlan | undefined;
    try {
      plan = new PrefillPlan(this.ctx, c, m.weights, cache, rows, { allLogits: true });
      for (let pos = 0; pos < ids.length; pos += rows) {
        const chunk = ids.slice(pos, pos + rows);
        const enc = this.ctx.device.createCommandEncoder({ label: 'forward' });
        plan.encodeChunk(enc, chunk, pos, { all: true });
        this.ctx.device.queue.submit([enc.finish()]);
        const first = Math.max(0, firstRow - pos);
        if (first >= chunk.length) continue;
        const L = await readback.readF32(plan.allLogits, (chunk.length - first) * c.vocabSize, first * c.vocabSize);
        for (let r = first; r < chunk.length; r++) each(pos + r, L, (r - first) * c.vocabSize);
      }
    } finally {
      plan?.destroy();
      readback.destroy();
      cache.destroy();
      this.busy = false;
    }
  }

  destroy() {
    this.unload();
  }
}

function destroyWeights(m: LoadedModel) {
  const seen = new Set<GPUBuffer>();
  const add = (b?: GPUBuffer) => b && seen.add(b);
  const w = m.weights;
  for (const lin of [w.embed, w.lmHead, ...w.layers.flatMap((l) => [l.qkv, l.o, l.gateUp, l.down])]) {
    lin.chunks.forEach((ch) => add(ch.buffer));
    add(lin.bias);
  }
  for (const l of w.layers) {
    add(l.inputNorm);
    add(l.postNorm);
  }
  add(w.finalNorm);
  for (const b of seen) b.destroy();
}
