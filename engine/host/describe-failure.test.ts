// describeFailure: what the host tells a client for each kind of failure.
import { describe, expect, it } from 'vitest';
import { NonFiniteLogitsError } from '../sampler.ts';
import { ModelError } from '../model/errors.ts';
import { describeFailure } from './session.ts';

describe('describeFailure', () => {
  it("NaN or infinite logits are the model's numbers, with what to do — not the host's failure", () => {
    const d = describeFailure(new NonFiniteLogitsError('sampleToken: the logits row contains NaN or infinite values'), 'generate');
    expect(d.code).toBe('generate-failed');
    expect(d.hint).toMatch(/the file may be damaged \(download it again\), or the model overflows f16 storage/);
    expect(describeFailure(new Error('boom'), 'generate').hint).toMatch(/report the message/);
  });

  it('an unsupported tensor type at load names what Fanout runs, GGUF formats included', () => {
    const d = describeFailure(new ModelError('unsupported-dtype', 'x is Q4_1'), 'load');
    expect(d).toMatchObject({ code: 'load-failed' });
    expect(d.hint).toMatch(/GGUF files \(F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q4_K, Q4_0\)/);
  });
});
