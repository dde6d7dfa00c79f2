// What the editor hears while the engine window is down, and the restart backoff.
import { describe, expect, it } from 'vitest';
import { outageEvents, stubOpening, stubReply, stubState } from '../../electron/engine-stub.ts';
import { RestartPolicy } from '../../electron/restart-policy.ts';
import { parseHostEvent } from '../../protocol/host.ts';

const restarting = { reason: 'the engine process crashed (exit code 139)', restarting: true };
const gaveUp = { reason: 'the engine process crashed; it stopped 5 times within 120 s', restarting: false };

describe('outageEvents', () => {
  it('ends each running request with an error of its kind', () => {
    const evs = outageEvents(
      [
        { id: 'gen-1', kind: 'generate' },
        { id: 'load-2', kind: 'load' },
      ],
      restarting,
    );
    expect(evs).toHaveLength(2);
    expect(evs[0]).toMatchObject({ type: 'error', id: 'gen-1', code: 'generate-failed' });
    expect(evs[1]).toMatchObject({ type: 'error', id: 'load-2', code: 'load-failed', model: null });
    for (const e of evs) {
      expect(parseHostEvent(e)).toEqual(e); // valid host-protocol events
      if (e.type === 'error') {
        expect(e.message).toContain('exit code 139');
        expect(e.hint).toMatch(/restarting/);
      }
    }
  });
  it('sends one notice when nothing was running; says what to do when restarts stopped', () => {
    const [n] = outageEvents([], gaveUp);
    expect(n).toMatchObject({ type: 'error', id: null, code: 'internal' });
    if (n.type === 'error') expect(n.hint).toMatch(/File > Restart Engine/);
  });
});

describe('outageEvents after a model stopped the engine while loading', () => {
  const crashed = { ...restarting, crashedModel: '/models/big' };
  it('names the model on the running load request, says it is not loaded again and how to try it anyway', () => {
    const evs = outageEvents(
      [
        { id: 'load-1', kind: 'load' },
        { id: 'gen-1', kind: 'generate' },
      ],
      crashed,
    );
    expect(evs).toHaveLength(2);
    expect(evs[0]).toMatchObject({
      type: 'error',
      id: 'load-1',
      code: 'load-failed',
      model: null,
      message: 'The engine stopped while loading /models/big: the engine process crashed (exit code 139). It is restarting without a model; /models/big is not loaded again.',
    });
    expect(evs[1]).toMatchObject({ id: 'gen-1', code: 'generate-failed' });
    for (const e of evs) expect(parseHostEvent(e)).toEqual(e);
  });
  it('says it in one notice when the load was not a request of the editor (the model restored after a restart)', () => {
    const evs = outageEvents([{ id: 'gen-1', kind: 'generate' }], { ...crashed, model: 'models/a' });
    expect(evs.map((e) => ('id' in e ? e.id : undefined))).toEqual(['gen-1', null]);
    const n = evs[1];
    expect(n).toMatchObject({ type: 'error', code: 'load-failed', message: expect.stringContaining('It is restarting with models/a instead; /models/big is not loaded again.') });
    if (n.type === 'error') expect(n.hint).toContain('To try /models/big again anyway, choose its folder with File > Open Model…');
    expect(outageEvents([], crashed)).toHaveLength(1);
  });
  it('when restarts stopped, says so and how to start the engine again', () => {
    const [n] = outageEvents([], { ...gaveUp, crashedModel: '/models/big' });
    expect(n).toMatchObject({ type: 'error', id: null, code: 'load-failed', message: expect.stringMatching(/while loading \/models\/big: .*It was not restarted\.$/) });
    if (n.type === 'error') expect(n.hint).toMatch(/^Use File > Restart Engine to start it again \(without that model\)\. Choose another model/);
  });
});

describe('stubState and stubOpening', () => {
  const idle = { phase: 'idle', model: null, device: '', loading: null, generating: false, queued: 0 };
  it('says the engine is loading the model it will restore while restarting, else idle', () => {
    expect(stubState({ ...restarting, model: 'models/fanout-code-4m' })).toEqual({ ...idle, phase: 'loading', loading: { model: 'models/fanout-code-4m', progress: null } });
    expect(stubState(restarting)).toEqual(idle);
    expect(stubState({ ...gaveUp, model: 'models/fanout-code-4m' })).toEqual(idle);
  });
  it('opens with the running requests\' errors, then the state', () => {
    const evs = stubOpening([{ id: 'gen-1', kind: 'generate' }], { ...restarting, model: 'm' });
    expect(evs.map((e) => e.type)).toEqual(['error', 'state']);
    expect(evs[1]).toMatchObject({ type: 'state', state: { phase: 'loading', loading: { model: 'm' } } });
    for (const e of evs) expect(parseHostEvent(e)).toEqual(e);
  });
});

describe('stubReply', () => {
  it('answers status busy, with the state, while restarting (the app must not start its own load)', () => {
    expect(stubReply({ type: 'status', id: 's1' }, { ...restarting, model: 'models/fanout-code-4m' })).toEqual({
      type: 'status',
      id: 's1',
      model: null,
      device: '',
      busy: true,
      state: stubState({ ...restarting, model: 'models/fanout-code-4m' }),
    });
    expect(stubReply({ type: 'status', id: 's1' }, gaveUp)).toMatchObject({ busy: false, state: { phase: 'idle' } });
  });
  it('refuses loads and generates with the reason; ignores cancel', () => {
    const r = stubReply({ type: 'generate', id: 'g', request: { prefix: 'x' } }, restarting);
    expect(r).toMatchObject({ type: 'error', id: 'g', code: 'busy' });
    expect(stubReply({ type: 'load', id: 'l', model: { kind: 'dir', path: 'm' } }, gaveUp)).toMatchObject({ type: 'error', id: 'l', code: 'internal' });
    expect(stubReply({ type: 'cancel', id: 'g' }, restarting)).toBeNull();
    expect(stubReply('junk', restarting)).toMatchObject({ type: 'error', id: null, code: 'bad-message' });
    // The model list is answered in words the list shows in place of the models.
    expect(stubReply({ type: 'list-models', id: 'm' }, restarting)).toMatchObject({ type: 'error', id: 'm', code: 'busy', message: expect.stringContaining('the models are listed once it is back') });
    expect(stubReply({ type: 'list-models', id: 'm' }, gaveUp)).toMatchObject({ type: 'error', id: 'm', code: 'internal', message: expect.stringContaining('cannot be listed') });
    for (const m of [{ type: 'status', id: 's' }, { type: 'generate', id: 'g' }, { type: 'list-models', id: 'm' }, 'junk']) {
      const reply = stubReply(m, restarting);
      if (reply) expect(parseHostEvent(reply)).toEqual(reply);
    }
  });
});

describe('RestartPolicy', () => {
  it('restarts at once, then backs off doubling up to the maximum', () => {
    const p = new RestartPolicy({ baseMs: 1000, maxMs: 8000, maxFailures: 100 });
    const delays = [0, 1, 2, 3, 4, 5, 6].map((i) => {
      const d = p.failed(i * 1000);
      return d.action === 'restart' ? d.delayMs : -1;
    });
    expect(delays).toEqual([0, 1000, 2000, 4000, 8000, 8000, 8000]);
  });
  it('starts over after the engine stayed up long enough', () => {
    const p = new RestartPolicy({ baseMs: 1000, stableMs: 60_000, maxFailures: 100 });
    p.failed(0);
    p.up(100);
    expect(p.failed(1_000)).toMatchObject({ action: 'restart', delayMs: 1000, attempt: 2 });
    p.up(2_000);
    expect(p.failed(2_000 + 60_000)).toMatchObject({ action: 'restart', delayMs: 0, attempt: 1 });
  });
  it('gives up after too many failures in the window; failures outside it do not count', () => {
    const p = new RestartPolicy({ maxFailures: 3, windowMs: 10_000 });
    expect(p.failed(0).action).toBe('restart');
    expect(p.failed(1000).action).toBe('restart');
    expect(p.failed(2000)).toEqual({ action: 'give-up', failures: 3, windowMs: 10_000 });
    const q = new RestartPolicy({ maxFailures: 3, windowMs: 10_000, stableMs: 1e9 });
    q.failed(0);
    q.failed(20_000);
    expect(q.failed(40_000).action).toBe('restart');
  });
  it('a manual restart forgets past failures', () => {
    const p = new RestartPolicy({ maxFailures: 2 });
    p.failed(0);
    p.reset();
    expect(p.failed(1)).toMatchObject({ action: 'restart', delayMs: 0 });
  });
});
