// One generate request: prefill the prompt once, then decode n samples in lockstep with the
// selected attention mode, streaming token and finish events. A finished sample leaves the row list
// and costs nothing in later steps. An AbortSignal ends the request within one decode step; all of
// the request's GPU memory is freed when the stream ends, however it ends.
import type { GpuContext } from './gpu/context.ts';
import { Readback } from './gpu/readback.ts';
import type { GenerateEvent, GenerateRequest, FinishReason } from '../protocol/engine.ts';
import type { ModelConfig, ModelWeights } from './model/types.ts';
import type { Tokenizer, StreamDecoder } from './tokenizer/tokenizer.ts';
import { KvCache } from './kv-cache.ts';
import type { PrefixCache } from './prefix-cache.ts';
import { PrefillPlan, DecodePlan, type GpuTokens } from './model/forward.ts';
import { planPrompt, TokenizeAbortedError, type PromptPlan, type RequestTokenizer } from './prompt-plan.ts';
import { endMask, healPrompt, maskRow } from './token-healing.ts';
import { sampleToken, checkParams } from './sampler.ts';
import { GpuSampler, type Drawn } from './kernels/sample.ts';
import { variantsFor, type SamplerKind } from './variants.ts';
import { sampleRng } from './rng.ts';
import { StopChecker } from './stop.ts';
import { checkFits, kvLayout, requestBytes, type RequestShape } from './memory.ts';

export interface LoadedForGenerate {
  ctx: GpuContext;
  config: ModelConfig;
  weights: ModelWeights;
  tokenizer: Tokenizer;
  /** ids that end a sample */
  eosIds: ReadonlySet<number>;
  /** bytes the GPU may hold for a request's KV cache and activations */
  requestBudget: number;
  /** prompt tokens per prefill chunk */
  prefillChunk: number;
  /** largest KV-cache buffer in bytes (default: the device's binding limit); tests lower it to cross splits */
  kvChunkBytes?: number;
  /** tokenizes the request off this thread (the Node host's worker); default: `tokenizer`, here */
  requestTokenizer?: RequestTokenizer;
  /** context K/V of earlier prompts: a prompt that starts like one prefills only the rest, and is kept after */
  prefixCache?: PrefixCache;
  /** where tokens are drawn (default: the device profile's, engine/variants.ts) */
  sampler?: SamplerKind;
}

/** Prompt tokens per prefill chunk (rows of the prefill plan). */
export const PREFILL_CHUNK = 128;

interface SampleState {
  index: number;
  tokens: number[];
  sumLogprob: number;
  text: string;
  decoder: StreamDecoder;
  stop: StopChecker;
  rng: ReturnType<typeof sampleRng>;
  done: boolean;
  /** Bytes of the healed text this sample's tokens have produced (= its length once produced, or without healing). */
  consumed: number;
  /** UTF-16 units of the healed text still to cut from the decoded text before it is shown. */
  hide: number;
}

const now = () => performance.now();

export async function* generate(m: LoadedForGenerate, req: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerateEvent> {
  const { ctx, config: c } = m;
  const minTokens = req.minTokens ?? 0;
  if (!Number.isInteger(minTokens) || minTokens < 0) {
    throw new RangeError(`minTokens must be an integer ≥ 0 (0 = off), got ${minTokens}.`);
  }
  const input = { prefix: req.prefix, suffix: req.suffix, context: req.context, contextTokens: req.contextTokens, fileName: req.fileName };
  let plan: PromptPlan;
  try {
    plan = m.requestTokenizer ? await m.requestTokenizer.plan(input, c.maxPositions, req.maxTokens, signal) : planPrompt(m.tokenizer, input, c.maxPositions, req.maxTokens);
  } catch (e) {
    if (!(e instanceof TokenizeAbortedError)) throw e;
    // Cancelled before there was a prompt: nothing ran.
    yield { type: 'done', cancelled: true, timings: { prefillMs: 0, decodeMs: 0, steps: 0, msPerStep: 0, tokensPerSecond: 0, promptTokens: 0, kvBytesPerStep: 0, kvBytesPerStepOther: 0 } };
    return;
  }
  const prompt = plan.prompt;
  // The prefix's last token (and the whitespace tokens before it, if it is whitespace) is taken back, FIM
  // too (it sits just before the suffix token); every sample must start with its text, and end-of-text
  // cannot end a sample before that text is produced.
  const heal = healPrompt(m.tokenizer, prompt.ids, c.vocabSize, { start: prompt.prefixStart, end: prompt.prefixEnd, banned: m.eosIds, spellings: plan.spellings });
  if (heal) prompt.ids = heal.ids;
  const forcedLen = heal?.forced.length ?? 0;
  if (prompt.ids.length === 0) {
    const start = m.tokenizer.tokenId('<|endoftext|>') ?? c.bosTokenId ?? [...m.eosIds][0];
    if (start === undefined) throw new Error('empty prompt and the model has no BOS or end-of-text token to start from: type some text first');
    prompt.ids.push(start);
  }
  const ctxLen = prompt.ids.length;
  const n = req.n;
  const shape: RequestShape = { samples: n, contextTokens: ctxLen, maxNew: req.maxTokens, mode: req.attention, prefillRows: Math.min(m.prefillChunk, ctxLen) };
  const need = requestBytes(c, shape, ctx.f16);
  // Kept prompts give way to the request's memory; the one it reuses is the last to go.
  let hit = m.prefixCache?.match(prompt.ids);
  m.prefixCache?.makeRoom(Math.max(0, m.requestBudget - need));
  if (hit && !m.prefixCache!.has(hit.entry)) hit = undefined;
  checkFits(need, m.requestBudget - (m.prefixCache?.bytes ?? 0), shape);
  // At least the last prompt token is prefilled: its logits start the samples.
  const reused = hit ? Math.min(hit.tokens, ctxLen - 1) : 0;

  const layout = kvLayout(c, shape, m.kvChunkBytes);
  const cache = new KvCache(ctx, layout);
  let prefill: PrefillPlan | undefined;
  let decode: DecodePlan | undefined;
  // prompt tokens whose K/V this request has written (or copied in): kept for the next request, even
  // when it is cancelled mid-prefill (as-you-type cancels often; K/V at p depends only on tokens 0..p)
  let written = 0;
  // CPU sampler: logits come back every step through one staging buffer (rows × vocab f32 at most).
  // GPU sampler: the draw runs after each forward pass in the same submit; (token, log p) per row comes back.
  const params = { temperature: req.temperature, topK: req.topK, topP: req.topP };
  checkParams(params);
  const onGpu = (m.sampler ?? variantsFor(ctx).sampler) === 'gpu';
  const readback = onGpu ? undefined : new Readback(ctx, 'generate.logits');
  const sampler = onGpu ? new GpuSampler(ctx, n, c.vocabSize) : undefined;
  // GPU sampler: the draws of the step being processed, for the rows of `flight` (sample index per row)
  let pending: Promise<Drawn> | undefined;
  try {
    prefill = new PrefillPlan(ctx, c, m.weights, cache, shape.prefillRows);
    decode = new DecodePlan(ctx, c, m.weights, cache, n);
    yield { type: 'start', promptTokens: ctxLen, truncated: prompt.truncated, fim: prompt.fim, contextChunks: prompt.contextChunks, contextTokens: prompt.contextTokens };

    // Prefill: one submit per chunk (kernel uniforms are written per encode), from the first token the
    // kept prefix does not hold; its K/V are copied in first.
    const t0 = now();
    for (let pos = reused; pos < ctxLen; pos += shape.prefillRows) {
      const ids = prompt.ids.slice(pos, pos + shape.prefillRows);
      const enc = ctx.device.createCommandEncoder({ label: 'prefill' });
      if (pos === reused && hit) cache.encodeCopyContext(enc, hit.entry.layers, reused);
      prefill.encodeChunk(enc, ids, pos, { last: pos + ids.length === ctxLen });
      if (pos + ids.length === ctxLen) cache.encodeBroadcastContext(enc, ctxLen);
      ctx.device.queue.submit([enc.finish()]);
      written = pos + ids.length;
      if (signal?.aborted) break;
    }

    const samples: SampleState[] = [];
    for (let i = 0; i < n; i++) {
      samples.push({
        index: i,
        tokens: [],
        sumLogprob: 0,
        text: '',
        decoder: m.tokenizer.decoder(),
        stop: new StopChecker({ mode: req.stop, stopStrings: req.stopStrings, prefix: req.prefix }),
        rng: sampleRng(req.seed, i),
        done: false,
        consumed: 0,
        hide: heal?.text.length ?? 0,
      });
    }
    // rows[r] = sample index of row r; `logits` row r belongs to rows[r]. After prefill every sample reads row 0.
    let rows = samples.map((s) => s.index);
    let logitRow = (_r: number) => 0;
    // The tokens a sample may draw now: the healing mask while part of the healed text remains (it
    // excludes end-of-text and the specials), then, while it is shorter than minTokens, all but those.
    let noEnd: Uint8Array | undefined;
    const maskFor = (s: SampleState): Uint8Array | undefined => {
      if (heal && s.consumed < forcedLen) return heal.forced.allowed(s.consumed);
      if (s.tokens.length < minTokens) return (noEnd ??= endMask(m.tokenizer.specialIds, m.eosIds, c.vocabSize));
      return undefined;
    };
    // The decoded text without the healed text, which is already in the editor (it may span several tokens).
    const shown = (s: SampleState, piece: string): string => {
      if (s.hide === 0) return piece;
      const cut = Math.min(s.hide, piece.length);
      s.hide -= cut;
      return piece.slice(cut);
    };
    // GPU sampler: records the draw of step `step` for rows[r] from logits row logitRow(r) of `source`.
    const encodeDraw = (enc: GPUCommandEncoder, source: GPUBuffer, step: number, mask = maskFor) =>
      sampler!.encode(enc, source, rows.map((i, r) => ({ logitsRow: logitRow(r), sample: i, mask: mask(samples[i]) })), params, req.seed, step);
    let logits: Float32Array = new Float32Array(0);
    let flight = rows;
    if (sampler) {
      const enc = ctx.device.createCommandEncoder({ label: 'sample' });
      encodeDraw(enc, prefill.lastLogits, 0);
      ctx.device.queue.submit([enc.finish()]);
      pending = sampler.startRead(rows.length);
      await pending;
    } else {
      logits = await readback!.readF32(prefill.lastLogits, c.vocabSize);
    }
    const prefillMs = now() - t0;
    prefill.destroy();
    prefill = undefined;

    const t1 = now();
    let steps = 0;
    let generated = 0;
    let kvBytes = 0;
    let kvBytesOther = 0;
    let cancelled = false;
    const finish = function* (s: SampleState, reason: FinishReason): Generator<GenerateEvent> {
      s.done = true;
      const tail = reason === 'eos' || reason === 'length' || reason === 'cancelled' ? s.stop.finish() + shown(s, s.decoder.flush()) : '';
      if (tail) {
        s.text += tail;
        yield { type: 'token', sample: s.index, token: -1, text: tail, logprob: 0 };
      }
      yield { type: 'finish', sample: s.index, reason, text: s.text, tokens: s.tokens.length, sumLogprob: s.sumLogprob };
    };
    // Records decode step `step` for `rows` (KV slot `step`), and with the GPU sampler the draw of step + 1.
    const encodeDecode = (tokens: number[] | GpuTokens, step: number, mask = maskFor) => {
      const enc = ctx.device.createCommandEncoder({ label: 'decode' });
      decode!.encodeStep(enc, tokens, rows, ctxLen, step);
      if (sampler) encodeDraw(enc, decode!.logits, step + 1, mask);
      ctx.device.queue.submit([enc.finish()]);
      kvBytes += KvCache.kvBytesReadPerStep(layout, ctx.f16, rows.length, ctxLen, step);
      kvBytesOther += KvCache.kvBytesReadPerStep({ ...layout, mode: layout.mode === 'bifurcated' ? 'standard' : 'bifurcated' }, ctx.f16, rows.length, ctxLen, step);
      steps++;
    };
    // After the healed text, a sample's mask depends only on how many tokens it has, which is the step for
    // every sample still running: the next draw's mask is known before this step's tokens are.
    const maskAt = (step: number) => (): Uint8Array | undefined => (step < minTokens ? (noEnd ??= endMask(m.tokenizer.specialIds, m.eosIds, c.vocabSize)) : undefined);

    for (let step = 0; !signal?.aborted || step > 0; step++) {
      // GPU sampler, pipelined: once no sample is inside its healed text (and this is not the last step),
      // step `step` is encoded before this step's draws come back, from the tokens the sampler left on the
      // GPU, for every running sample; those that finish now are dropped from the step after (their extra
      // row's KV and draw are ignored). Stop rules and detokenising run here one step behind the GPU.
      let ahead: Promise<Drawn> | undefined;
      if (sampler && step + 1 < req.maxTokens && !signal?.aborted && rows.every((i) => !heal || samples[i].consumed >= forcedLen)) {
        const at = new Map(flight.map((i, r) => [i, r]));
        const from = rows.map((i) => at.get(i)!);
        logitRow = (r) => r;
        encodeDecode({ buffer: sampler.tokens, from }, step, maskAt(step + 1));
        ahead = sampler.startRead(rows.length);
      }
      const drawn = pending ? await pending : undefined;
      const drawnRows = flight;
      // Sample each active row's next token from its logits row.
      const nextRows: number[] = [];
      const nextTokens: number[] = [];
      // Masked copies of logits rows; at step 0 every sample reads row 0, so samples with the same mask share one.
      const masked = new Map<Uint8Array, Float32Array>();
      for (let r = 0; r < drawnRows.length; r++) {
        const s = samples[drawnRows[r]];
        if (s.done) continue; // finished at the step before, while this one ran ahead
        let token: number;
        let logprob: number;
        if (drawn) {
          token = drawn.tokens[r];
          logprob = drawn.logprobs[r];
        } else {
          const mask = maskFor(s);
          const offset = logitRow(r) * c.vocabSize;
          let row: Float32Array | undefined;
          if (mask) {
            row = step === 0 ? masked.get(mask) : undefined;
            if (!row) {
              row = maskRow(logits, offset, mask);
              if (step === 0) masked.set(mask, row);
            }
          }
          ({ token, logprob } = row ? sampleToken(row, 0, c.vocabSize, params, s.rng) : sampleToken(logits, offset, c.vocabSize, params, s.rng));
        }
        generated++;
        if (m.eosIds.has(token) || m.tokenizer.specialIds.has(token)) {
          yield* finish(s, 'eos');
          continue;
        }
        s.tokens.push(token);
        s.sumLogprob += logprob;
        if (heal && s.consumed < forcedLen) s.consumed = heal.forced.advance(s.consumed, token);
        // The healed text is whole characters and the sample's bytes start with it, so the first
        // heal.text.length UTF-16 units decoded are exactly it, however the tokens split it.
        const verdict = s.stop.push(shown(s, s.decoder.push(token)));
        if (verdict.emit) {
          s.text += verdict.emit;
          yield { type: 'token', sample: s.index, token, text: verdict.emit, logprob };
        } else {
          yield { type: 'token', sample: s.index, token, text: '', logprob };
        }
        if (verdict.stop) {
          yield* finish(s, verdict.stop);
          continue;
        }
        if (s.tokens.length >= req.maxTokens) {
          yield* finish(s, 'length');
          continue;
        }
        nextRows.push(s.index);
        nextTokens.push(token);
      }
      if (ahead) {
        flight = rows;
        pending = ahead;
        rows = nextRows;
        if (rows.length === 0) break;
        if (signal?.aborted) {
          cancelled = true;
          for (const i of rows) yield* finish(samples[i], 'cancelled');
          break;
        }
        continue;
      }
      if (nextRows.length === 0) break;
      if (signal?.aborted) {
        cancelled = true;
        for (const i of nextRows) yield* finish(samples[i], 'cancelled');
        break;
      }
      // Decode step `step`: feed each active sample's newest token at position ctxLen + step.
      rows = nextRows;
      logitRow = (r) => r;
      encodeDecode(nextTokens, step);
      flight = rows;
      if (sampler) pending = sampler.startRead(rows.length);
      else logits = await readback!.readF32(decode.logits, rows.length * c.vocabSize);
    }
    if (signal?.aborted && !cancelled) {
      cancelled = true;
      for (const s of samples) if (!s.done) yield* finish(s, 'cancelled');
    }
    const decodeMs = now() - t1;
    yield {
      type: 'done',
      cancelled,
      timings: {
        prefillMs,
        decodeMs,
        steps,
        msPerStep: steps ? decodeMs / steps : 0,
        tokensPerSecond: decodeMs > 0 ? (generated / decodeMs) * 1000 : 0,
        promptTokens: ctxLen,
        reusedTokens: reused,
        kvBytesPerStep: steps ? kvBytes / steps : 0,
        kvBytesPerStepOther: steps ? kvBytesOther / steps : 0,
      },
    };
  } finally {
    prefill?.destroy();
    decode?.destroy();
    readback?.destroy();
    // a step encoded ahead of a stop: its read is dropped with the sampler's buffers
    pending?.catch(() => {});
    sampler?.destroy();
    // The K/V of the prompt tokens prefilled so far (all of them unless cancelled) is kept for the next
    // request; later copies from it are ordered after the chunks submitted here.
    if (written > 0 && m.prefixCache) m.prefixCache.put(prompt.ids.slice(0, written), cache.detachContext(), cache.tokenBytes);
    cache.destroy();
  }
}
