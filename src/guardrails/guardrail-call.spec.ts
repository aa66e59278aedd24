import { allow, block, mutateMessages, mutateWindow, type Guardrail, type GuardrailPhase } from '@tollgate/guardrail-sdk';
import { recordingLogger } from '@tollgate/guardrail-sdk/testing';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { TeamRecord } from '../teams/team';
import { chatMessagesText, choicesReply, fieldsText } from '../pipeline/guardrail-texts';
import { GuardrailCall } from './guardrail-call';
import type { GuardrailObserver } from './guardrail.metrics';
import type { GuardrailInstance, GuardrailRegistry } from './guardrail-registry';
import { GuardrailBlockedError, GuardrailFailedError, GuardrailModificationForbiddenError } from './guardrails.errors';
import { GuardrailsService } from './guardrails.service';

function instance(name: string, guardrail: Guardrail, overrides: Partial<GuardrailInstance> & { phases?: ReadonlySet<GuardrailPhase> } = {}): GuardrailInstance {
  return {
    name,
    id: name,
    packageName: `pkg-${name}`,
    form: 'guardrails',
    phases: new Set<GuardrailPhase>(['pre_call']),
    priority: 0,
    order: 0,
    defaultOn: true,
    onError: 'fail_closed',
    timeoutMs: 1000,
    streamWindowChars: 8,
    activation: 'all',
    guardrail,
    logger: recordingLogger(),
    ...overrides,
  };
}

const caller = { requestId: 'chatcmpl-1', keyId: null, teamId: null };
const chat = (content: string): Record<string, unknown> => ({ model: 'm', messages: [{ role: 'user', content }] });

/** The call as the pipeline builds it: the operation's text accessor over the body. */
function guardrailCall(
  instances: GuardrailInstance[],
  operation: 'chat' | 'completion' | 'embedding',
  body: Record<string, unknown>,
  who = caller,
  observer?: GuardrailObserver,
): GuardrailCall {
  const text = operation === 'chat' ? chatMessagesText(body) : fieldsText(body, [operation === 'completion' ? 'prompt' : 'input']);
  return new GuardrailCall(instances, operation, body, text, who, observer);
}

describe(GuardrailCall.name, () => {
  it('should run pre_call in order, each seeing the previous rewrite, and write the result into the body', async () => {
    const seen: string[] = [];
    const upper = instance('upper', { preCall: (input) => mutateMessages([{ role: 'user', content: String(input.messages[0].content).toUpperCase() }]) });
    const spy = instance('spy', { preCall: (input) => (seen.push(String(input.messages[0].content)), allow()) });
    const body = chat('hello');
    await guardrailCall([upper, spy], 'chat', body, caller).preCall();
    expect(seen).toEqual(['HELLO']);
    expect(body.messages).toEqual([{ role: 'user', content: 'HELLO' }]);
  });

  it('should write completion prompts and embedding inputs back in their own shape', async () => {
    const redact = instance('r', { preCall: (input) => mutateMessages(input.messages.map((m) => ({ ...m, content: 'x' }))) });
    const completion: Record<string, unknown> = { model: 'm', prompt: 'secret' };
    await guardrailCall([redact], 'completion', completion, caller).preCall();
    expect(completion.prompt).toBe('x');
    const embedding: Record<string, unknown> = { model: 'm', input: ['a', 'b'] };
    await guardrailCall([redact], 'embedding', embedding, caller).preCall();
    expect(embedding.input).toEqual(['x', 'x']);
  });

  it('should turn a block into GuardrailBlockedError with the plugin text', async () => {
    const sut = guardrailCall([instance('kw', { preCall: () => block('Keyword banned. Keyword=hello') })], 'chat', chat('hello'), caller);
    await expect(sut.preCall()).rejects.toEqual(new GuardrailBlockedError('kw', 'Keyword banned. Keyword=hello'));
  });

  it('should fail closed on a throw, a timeout and an invalid verdict, and pass under fail_open', async () => {
    const throws = { preCall: () => Promise.reject(new Error('boom')) };
    const hangs = { preCall: () => new Promise<never>(() => undefined) };
    const nonsense = { preCall: () => ({ action: 'perhaps' }) as unknown as ReturnType<typeof allow> };
    await expect(guardrailCall([instance('t', throws)], 'chat', chat('x'), caller).preCall()).rejects.toBeInstanceOf(GuardrailFailedError);
    await expect(guardrailCall([instance('h', hangs, { timeoutMs: 20 })], 'chat', chat('x'), caller).preCall()).rejects.toThrow('Guardrail h did not answer in time');
    await expect(guardrailCall([instance('n', nonsense)], 'chat', chat('x'), caller).preCall()).rejects.toThrow('Guardrail n returned an invalid verdict');
    await expect(guardrailCall([instance('t', throws, { onError: 'fail_open' })], 'chat', chat('x'), caller).preCall()).resolves.toBeUndefined();
  });

  it('should report every hook call and its outcome to the observer', async () => {
    const seen: string[] = [];
    const observer = { observe: (name: string, phase: string, outcome: string) => void seen.push(`${name}/${phase}/${outcome}`) };
    const redact = instance('r', { preCall: () => mutateMessages([{ role: 'user', content: 'y' }]) });
    const kw = instance('kw', { preCall: () => block('no') });
    await expect(guardrailCall([redact, kw], 'chat', chat('x'), caller, observer).preCall()).rejects.toBeInstanceOf(GuardrailBlockedError);
    await expect(
      guardrailCall([instance('t', { preCall: () => Promise.reject(new Error('x')) }, { onError: 'fail_open' })], 'chat', chat('x'), caller, observer).preCall(),
    ).resolves.toBeUndefined();
    expect(seen).toEqual(['r/pre_call/mutate', 'kw/pre_call/block', 't/pre_call/error']);
  });

  it('should abort the hook signal when its time budget runs out', async () => {
    let aborted = false;
    const slow = { preCall: (_: unknown, ctx: { signal: AbortSignal }) => new Promise<never>(() => ctx.signal.addEventListener('abort', () => (aborted = true))) };
    await expect(guardrailCall([instance('s', slow as Guardrail, { timeoutMs: 10 })], 'chat', chat('x'), caller).preCall()).rejects.toBeInstanceOf(GuardrailFailedError);
    expect(aborted).toBe(true);
  });

  it('should refuse a pre_call rewrite that changes the messages and a during_call mutate', async () => {
    const drops = instance('d', { preCall: () => mutateMessages([]) });
    await expect(guardrailCall([drops], 'chat', chat('x'), caller).preCall()).rejects.toThrow('returned an invalid verdict');
    const mutates = instance('m', { duringCall: () => mutateMessages([]) as unknown as ReturnType<typeof allow> }, { phases: new Set(['during_call']) });
    let cancelled = false;
    await expect(guardrailCall([mutates], 'chat', chat('x'), caller).duringCall(() => (cancelled = true))).rejects.toBeInstanceOf(GuardrailFailedError);
    expect(cancelled).toBe(true);
  });

  it('should rewrite or refuse a reply in post_call', async () => {
    const redact = instance(
      'r',
      { postCall: (_input, output) => ({ action: 'mutate', texts: output.texts.map((t) => t.replace('AKIA', '[X]')) }) },
      { phases: new Set(['post_call']) },
    );
    const reply = { choices: [{ message: { role: 'assistant', content: 'key AKIA' } }] };
    await guardrailCall([redact], 'chat', chat('x'), caller).postCall(choicesReply(reply));
    expect(reply.choices[0].message.content).toBe('key [X]');
  });

  it('should give each instance one callState for the whole call, kept apart from other instances and calls', async () => {
    const remember = instance(
      'mem',
      { preCall: (_i, ctx) => (ctx.callState.set('seen', 'pre'), allow()), postCall: (_i, _o, ctx) => (ctx.callState.get('seen') === 'pre' ? block('remembered') : allow()) },
      { phases: new Set(['pre_call', 'post_call']) },
    );
    const other = instance('other', { postCall: (_i, _o, ctx) => (ctx.callState.has('seen') ? block('leaked') : allow()) }, { phases: new Set(['post_call']) });
    const reply = () => choicesReply({ choices: [{ message: { role: 'assistant', content: 'x' } }] });
    const call = guardrailCall([remember, other], 'chat', chat('x'), caller);
    await call.preCall();
    await expect(call.postCall(reply())).rejects.toThrow('remembered');
    await expect(guardrailCall([remember, other], 'chat', chat('x'), caller).postCall(reply())).resolves.toBeUndefined();
  });

  describe('stream guard', () => {
    /** Test events are `label=text`; a rewrite keeps the label. */
    const relabel = (event: string, text: string): string => `${event.split('=')[0]}=${text}`;
    const banned = instance(
      'kw',
      { onStreamWindow: (window) => (window.text.includes('secret') ? block('Keyword banned. Keyword=secret') : allow()) },
      { phases: new Set(['streaming']), streamWindowChars: 6 },
    );

    it('should catch a word split across chunks before any part of it is released', async () => {
      const guard = guardrailCall([banned], 'chat', chat('x'), caller).streamGuard(relabel)!;
      const released: string[] = [];
      released.push(...(await guard.push('e1', 'this is a ')));
      released.push(...(await guard.push('e2', 'sec')));
      await expect(guard.push('e3', 'ret')).rejects.toBeInstanceOf(GuardrailBlockedError);
      expect(released).toEqual([]);
    });

    it('should release events once enough text follows them, and the rest at the end', async () => {
      const guard = guardrailCall([banned], 'chat', chat('x'), caller).streamGuard(relabel)!;
      expect(await guard.push('role', '')).toEqual([]);
      expect(await guard.push('a', 'hello ')).toEqual(['role']);
      expect(await guard.push('b', 'world, ')).toEqual(['a']);
      expect(await guard.push('c', 'ok')).toEqual([]);
      expect(await guard.finish()).toEqual(['b', 'c']);
    });

    it('should spread a rewrite over the held events it covers, and show later windows the rewritten text', async () => {
      const windows: string[] = [];
      const unmask = instance(
        'unmask',
        {
          onStreamWindow: (window) => {
            windows.push(window.text);
            return window.text.includes('<P_1>') ? mutateWindow(window.text.replace('<P_1>', 'Jane Doe')) : allow();
          },
        },
        { phases: new Set(['streaming']), streamWindowChars: 12 },
      );
      const guard = guardrailCall([unmask], 'chat', chat('x'), caller).streamGuard(relabel)!;
      const sent: string[] = [];
      for (const [label, text] of [
        ['a', 'Hi <P'],
        ['b', '_1>, how '],
        ['c', 'are you today?'],
      ])
        sent.push(...(await guard.push(`${label}=${text}`, text)));
      sent.push(...(await guard.finish()));
      expect(sent).toEqual(['a=Hi Jane Doe', 'b=, how ', 'c=are you today?']);
      // The placeholder split across two events was seen whole, and the next window carries the rewrite.
      expect(windows).toEqual(['Hi <P', 'Hi <P_1>, how ', 'ne Doe, how are you today?', 'e you today?']);
    });

    it('should refuse a stream rewrite without a text (fail_closed), or let the window pass (fail_open)', async () => {
      const broken = { onStreamWindow: () => ({ action: 'mutate', texts: ['x'] }) as never };
      const closed = guardrailCall([instance('b', broken, { phases: new Set(['streaming']) })], 'chat', chat('x'), caller).streamGuard(relabel)!;
      await expect(closed.push('a=hello', 'hello')).rejects.toBeInstanceOf(GuardrailFailedError);
      const open = guardrailCall([instance('b', broken, { phases: new Set(['streaming']), onError: 'fail_open' })], 'chat', chat('x'), caller).streamGuard(relabel)!;
      await open.push('a=hello', 'hello');
      expect(await open.finish()).toEqual(['a=hello']);
    });
  });
});

describe(GuardrailsService.name, () => {
  const registry = (instances: GuardrailInstance[]) => ({ instances, close: async () => undefined }) as unknown as GuardrailRegistry;
  const key = (overrides: Partial<VirtualKeyRecord> = {}) => ({ token: 'hash', permissions: {}, guardrails: [], ...overrides }) as unknown as VirtualKeyRecord;
  const team = (metadata: Record<string, unknown>) => ({ teamId: 't1', metadata }) as unknown as TeamRecord;
  const noop = { preCall: () => allow() };
  const hide = instance('hide_secrets', noop, { id: 'hide-secrets', form: 'callbacks' });
  const optional = instance('pii', noop, { defaultOn: false });
  const keyOnly = instance('inj', noop, { id: 'detect-prompt-injection', activation: 'key-specific' });
  const sut = new GuardrailsService(registry([hide, optional, keyOnly]), { observe: () => undefined });
  const applied = (body: Record<string, unknown>, k = key(), t: TeamRecord | null = null) =>
    sut.select({ requestId: 'r', operation: 'chat', body, text: chatMessagesText(body), key: k, team: t }).applied;

  it('should run default-on guardrails and the ones a request, key or team names', () => {
    expect(applied(chat('x'))).toEqual(['hide_secrets']);
    expect(applied({ ...chat('x'), guardrails: ['pii'] })).toEqual(['hide_secrets', 'pii']);
    expect(applied({ ...chat('x'), guardrails: { pii: { extra_body: {} } } })).toEqual(['hide_secrets', 'pii']);
    expect(applied({ ...chat('x'), metadata: { guardrails: { pii: true } } })).toEqual(['hide_secrets', 'pii']);
    expect(applied(chat('x'), key({ guardrails: ['pii'] }))).toEqual(['hide_secrets', 'pii']);
    expect(applied(chat('x'), key(), team({ guardrails: ['pii'] }))).toEqual(['hide_secrets', 'pii']);
  });

  it('should switch a callback off per key and per request, in either spelling', () => {
    expect(applied(chat('x'), key({ permissions: { hide_secrets: false } }))).toEqual([]);
    expect(applied(chat('x'), key({ permissions: { 'hide-secrets': false } }))).toEqual([]);
    expect(applied({ ...chat('x'), metadata: { guardrails: { hide_secrets: false } } })).toEqual([]);
  });

  it('should run a key-specific guardrail only for keys that enable it', () => {
    expect(applied(chat('x'), key({ permissions: { enable_detect_prompt_injection_check: true } }))).toEqual(['hide_secrets', 'inj']);
  });

  it('should refuse guardrail switches from a team without modify_guardrails', () => {
    const locked = team({ guardrails: { modify_guardrails: false } });
    expect(() => applied({ ...chat('x'), guardrails: ['pii'] }, key(), locked)).toThrow(GuardrailModificationForbiddenError);
    expect(() => applied({ ...chat('x'), metadata: { guardrails: { hide_secrets: false } } }, key(), locked)).toThrow('Your team does not have permission to modify guardrails.');
    expect(applied(chat('x'), key(), locked)).toEqual(['hide_secrets']);
  });
});
