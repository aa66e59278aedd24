import {
  allow,
  block,
  defineGuardrail,
  SDK_VERSION,
  isGuardrailPlugin,
  mutateMessages,
  mutateWindow,
  rewriteMessageTexts,
  streamTextChecked,
  streamTextToCheck,
  toGuardrailId,
  type GuardrailDefinition,
} from './index';
import { checkGuardrailConformance, streamThrough, testContext, userInput } from './testing/index';
import { satisfiesVersionRange } from './version-range';

const base: GuardrailDefinition<Record<string, unknown>> = {
  manifest: { id: 'sample', version: '1.0.0', sdk: '^1.0.0', description: 'a sample', phases: ['pre_call'], configSchema: { type: 'object' } },
  create: () => ({ preCall: () => allow() }),
};

describe('guardrail SDK', () => {
  it('should brand plugins so any SDK copy recognises them', () => {
    expect(isGuardrailPlugin(defineGuardrail(base))).toBe(true);
    expect(isGuardrailPlugin({ manifest: base.manifest, create: base.create })).toBe(false);
  });

  it('should rewrite string contents and text parts without touching the originals', () => {
    const messages = [
      { role: 'user', content: 'a secret' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'secret b' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
      },
      { role: 'assistant', content: null },
    ];
    const { messages: out, changed } = rewriteMessageTexts(messages, (text) => text.replace('secret', '***'));
    expect(changed).toBe(true);
    expect(out[0].content).toBe('a ***');
    expect(out[1].content).toEqual([
      { type: 'text', text: '*** b' },
      { type: 'image_url', image_url: { url: 'x' } },
    ]);
    expect(messages[0].content).toBe('a secret');
  });

  it('should map configured names to ids', () => {
    expect(toGuardrailId('hide_secrets')).toBe('hide-secrets');
    expect(toGuardrailId(' Hide-Secrets ')).toBe('hide-secrets');
  });

  it('should pace a service-backed stream check to one call per everyChars characters and the final window', () => {
    const ctx = testContext();
    const pace = { everyChars: 10, overlapChars: 3 };
    expect(streamTextToCheck({ text: 'hello ', start: 0, newTextAt: 0, final: false }, ctx, pace)).toBeUndefined();
    const first = { text: 'hello world, and', start: 0, newTextAt: 6, final: false };
    // "and" may be the start of a longer word: it waits for the next check.
    const due = streamTextToCheck(first, ctx, pace)!;
    expect(due).toEqual({ text: 'hello world, ', offset: 0, end: 13 });
    expect(streamTextChecked(first, ctx, due)).toBe('hello world, and');
    expect(streamTextToCheck({ text: 'world, andy', start: 6, newTextAt: 10, final: false }, ctx, pace)).toBeUndefined();
    // The last window checks what is left, after a little already-checked text so a split phrase is seen whole.
    expect(streamTextToCheck({ text: 'world, andy is here', start: 6, newTextAt: 11, final: true }, ctx, pace)).toEqual({ text: 'd, andy is here', offset: 4, end: 19 });
  });

  it('should return the window with a rewritten check in place, and record it by the length the client sees', () => {
    const ctx = testContext();
    const window = { text: 'see: mail jane@example.com now', start: 4, newTextAt: 0, final: true };
    const check = streamTextToCheck(window, ctx, { everyChars: 64 })!;
    expect(streamTextChecked(window, ctx, check, 'see: mail <EMAIL> now')).toBe('see: mail <EMAIL> now');
    expect(ctx.callState.get('tollgate.sdk.streamCheckedTo')).toBe(4 + 'see: mail <EMAIL> now'.length);
    expect(mutateWindow('x', ['EMAIL'])).toEqual({ action: 'mutate', text: 'x', findings: ['EMAIL'] });
  });

  it.each([
    ['1.0.0', '^1.0.0', true],
    ['1.4.2', '^1.2.0', true],
    ['2.0.0', '^1.0.0', false],
    ['0.3.1', '^0.3.0', true],
    ['0.4.0', '^0.3.0', false],
    ['1.2.9', '~1.2.0', true],
    ['1.3.0', '~1.2.0', false],
    ['1.5.0', '>=1.0.0 <2.0.0', true],
    ['1.5.0', '1.x', true],
    ['3.0.0', '^1.0.0 || ^3.0.0', true],
    ['1.0.0', '*', true],
    ['1.0.0', 'nonsense', false],
  ])('should tell whether %s satisfies %s', (version, range, expected) => {
    expect(satisfiesVersionRange(version, range)).toBe(expected);
  });
});

describe(checkGuardrailConformance.name, () => {
  it('should pass a well-formed plugin', async () => {
    const report = await checkGuardrailConformance(defineGuardrail(base), { config: {} });
    expect(report.failures).toEqual([]);
    expect(report.checks).toContain('hooks match phases');
  });

  it('should report a plain object that is not a plugin', async () => {
    expect((await checkGuardrailConformance({}, { config: {} })).failures).toEqual(['brand: the export is not a value built by defineGuardrail()']);
  });

  it('should report a hook without its phase, a phase without its hook, and a foreign SDK range', async () => {
    const plugin = defineGuardrail<Record<string, unknown>>({
      ...base,
      manifest: { ...base.manifest, sdk: '^2.0.0', phases: ['pre_call', 'post_call'] },
      create: () => ({ preCall: () => allow(), duringCall: () => allow() }),
    });
    const { failures } = await checkGuardrailConformance(plugin, { config: {} });
    expect(failures).toEqual(
      expect.arrayContaining([
        `sdk range: range "^2.0.0" does not include this SDK (${SDK_VERSION})`,
        'hooks match phases: phase post_call declared but postCall() missing',
        'hooks match phases: duringCall() present but phase during_call not declared',
      ]),
    );
  });

  it('should report mutation in during_call, writes to the input, nondeterminism and blocks without a message', async () => {
    let calls = 0;
    const plugin = defineGuardrail<Record<string, unknown>>({
      ...base,
      manifest: { ...base.manifest, phases: ['pre_call', 'during_call'] },
      create: () => ({
        preCall: (input) => {
          calls++;
          if (input.messages[0]?.content === 'write') (input.messages as unknown as { content: unknown }[])[0].content = 'changed';
          return calls % 2 === 0 ? block('') : allow();
        },
        duringCall: () => mutateMessages([]) as unknown as ReturnType<typeof allow>,
      }),
    });
    const { failures } = await checkGuardrailConformance(plugin, { config: {}, inputs: [userInput('write')] });
    expect(failures.some((line) => line.startsWith('during_call never mutates: returned action "mutate"'))).toBe(true);
    expect(failures.some((line) => line.startsWith('pre_call verdicts: threw on a well-formed input'))).toBe(true);
    expect(failures).toContain('pre_call verdicts: blocked without a message for the caller');
    expect(failures).toContain('deterministic: pre_call gave two different verdicts for the same input');
  });

  it('should accept stream rewrites with a text, carry them into the next window and share one callState per stream', async () => {
    const seen: string[] = [];
    const plugin = defineGuardrail<Record<string, unknown>>({
      ...base,
      manifest: { ...base.manifest, phases: ['streaming'] },
      create: () => ({
        onStreamWindow: (window, _input, ctx) => {
          seen.push(window.text);
          ctx.callState.set('windows', ((ctx.callState.get('windows') as number | undefined) ?? 0) + 1);
          return window.text.includes('time') ? mutateWindow(window.text.replace('time', 'TIME')) : allow();
        },
      }),
    });
    expect((await checkGuardrailConformance(plugin, { config: {}, streamTexts: [] })).failures).toEqual([]);
    expect(seen.some((text) => text.includes('TIME'))).toBe(true);

    const broken = defineGuardrail<Record<string, unknown>>({
      ...base,
      manifest: { ...base.manifest, phases: ['streaming'] },
      create: () => ({ onStreamWindow: () => ({ action: 'mutate', texts: ['x'] }) as never }),
    });
    expect((await checkGuardrailConformance(broken, { config: {} })).failures).toContain('streaming verdicts: rewrote a stream window without a text');
  });

  it('should stream a reply through a guardrail as the host does: windows, rewrites, the final window and a block', async () => {
    const sut = await defineGuardrail<Record<string, unknown>>({
      ...base,
      manifest: { ...base.manifest, phases: ['streaming'] },
      create: () => ({
        onStreamWindow: (window) => (window.text.includes('boom') ? block('no boom') : window.text.includes('<X>') ? mutateWindow(window.text.replace('<X>', 'x-ray')) : allow()),
      }),
    }).create({}, { instanceName: 's', logger: console, resolvePath: (path) => path });
    const run = await streamThrough(sut, ['an <', 'X> and', ' more'], { windowChars: 4 });
    expect(run.text).toBe('an x-ray and more');
    expect(run.windows.map((window) => window.text)).toEqual(['an <', 'an <X> and', ' and more', 'more']);
    expect(run.windows.at(-1)?.final).toBe(true);
    expect((await streamThrough(sut, ['bo', 'om'])).blocked?.message).toBe('no boom');
  });

  it('should report a hook that ignores its signal', async () => {
    const plugin = defineGuardrail<Record<string, unknown>>({
      ...base,
      manifest: { ...base.manifest, timeoutMs: 20 },
      create: () => ({ preCall: () => new Promise(() => undefined) }),
    });
    const { failures } = await checkGuardrailConformance(plugin, { config: {}, abortGraceMs: 50 });
    expect(failures).toContain('honours its signal: preCall() still pending 50 ms after its signal fired');
    expect(failures).toContain('pre_call verdicts: threw on a well-formed input (did not settle within its 20 ms time budget); a thrown error is a malfunction, not a verdict');
  });
});
