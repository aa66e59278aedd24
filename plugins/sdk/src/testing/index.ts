/**
 * `@tollgate/guardrail-sdk/testing`: the conformance kit every guardrail plugin runs in its own tests, plus small
 * builders for hook inputs and contexts.
 *
 * @example
 * ```ts
 * import plugin from '../src';
 * import { assertGuardrailConformance } from '@tollgate/guardrail-sdk/testing';
 * it('conforms to the guardrail SDK', () => assertGuardrailConformance(plugin, { config: { words: ['x'] } }));
 * ```
 * @packageDocumentation
 */
import {
  type BlockVerdict,
  type ChatMessage,
  GUARDRAIL_API_VERSION,
  GUARDRAIL_PHASES,
  type Guardrail,
  type GuardrailContext,
  type GuardrailInput,
  type GuardrailLogger,
  type GuardrailOutput,
  type GuardrailPhase,
  type GuardrailPlugin,
  isGuardrailPlugin,
  SDK_VERSION,
  type StreamWindow,
  type Verdict,
} from '../index';
import { isPlainVersion, satisfiesVersionRange } from '../version-range';

/** What {@link checkGuardrailConformance} needs besides the plugin. */
export interface ConformanceOptions<C> {
  /** A valid config for `create()`. */
  readonly config: C;
  /** Inputs every hook is called with; a benign and a few adversarial defaults are always added. */
  readonly inputs?: readonly GuardrailInput[];
  /** Replies `postCall` is called with (defaults added). */
  readonly outputs?: readonly GuardrailOutput[];
  /** Replies fed to `onStreamWindow` in small chunks (defaults added). */
  readonly streamTexts?: readonly string[];
  /** Longest a hook may take once its signal has fired (default 1000 ms). */
  readonly abortGraceMs?: number;
  /**
   * Fields every hook context gets (1.3), e.g. `models` for a guardrail that judges with a configured model. Each
   * hook still gets its own `signal` and `callState`.
   */
  readonly context?: Partial<Omit<GuardrailContext, 'signal' | 'callState'>>;
}

/** The result of a conformance run. */
export interface ConformanceReport {
  /** Names of the checks that ran. */
  readonly checks: readonly string[];
  /** One line per failed expectation; empty when the plugin conforms. */
  readonly failures: readonly string[];
}

/** A logger that keeps what it is given, so tests can assert that nothing secret was logged. */
export interface RecordingLogger extends GuardrailLogger {
  readonly lines: string[];
}

/** Builds a logger that records its lines. */
export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: push('debug'), log: push('log'), warn: push('warn'), error: push('error') };
}

/** A hook context for tests; `signal` never fires unless one is given. */
export function testContext(overrides: Partial<GuardrailContext> = {}): GuardrailContext {
  return {
    requestId: 'chatcmpl-test',
    keyId: null,
    teamId: null,
    guardrailName: 'test',
    signal: new AbortController().signal,
    logger: recordingLogger(),
    fetch: (input, init) => fetch(input, { ...init, signal: overrides.signal ?? init?.signal }),
    callState: new Map(),
    ...overrides,
  };
}

/** A chat input with one user message (or one message per text given). */
export function userInput(...texts: string[]): GuardrailInput {
  return { operation: 'chat', model: 'test-model', messages: texts.map((content) => ({ role: 'user', content })), metadata: {} };
}

const DEFAULT_INPUTS: readonly GuardrailInput[] = [
  userInput('Hello, how are you today?'),
  {
    operation: 'chat',
    model: 'test-model',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Describe this picture.' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [] },
    ],
    user: 'end-user-1',
    metadata: { tags: ['conformance'] },
  },
  userInput(''),
  userInput('a'.repeat(20_000)),
];

const DEFAULT_OUTPUTS: readonly GuardrailOutput[] = [{ texts: ['Sure, here is a short answer.'] }, { texts: ['', 'second choice'] }];

const DEFAULT_STREAMS: readonly string[] = ['Once upon a time there was a small gateway that checked every word it relayed.'];

/** Deep-freezes a value so a hook that writes to its input throws (plugins must return new objects). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

type HookName = 'preCall' | 'duringCall' | 'postCall' | 'onStreamWindow' | 'maskForLogging';

const HOOK_OF_PHASE: Record<GuardrailPhase, HookName> = {
  pre_call: 'preCall',
  during_call: 'duringCall',
  post_call: 'postCall',
  streaming: 'onStreamWindow',
  logging_only: 'maskForLogging',
};

function describeVerdictProblem(verdict: unknown, allowed: readonly string[], phase?: GuardrailPhase): string | undefined {
  if (typeof verdict !== 'object' || verdict === null) return `returned ${typeof verdict} instead of a verdict`;
  const action = (verdict as { action?: unknown }).action;
  if (typeof action !== 'string' || !allowed.includes(action)) return `returned action ${JSON.stringify(action)}; allowed here: ${allowed.join(', ')}`;
  if (action === 'mutate' && phase === 'streaming' && typeof (verdict as { text?: unknown }).text !== 'string') return 'rewrote a stream window without a text';
  if (action === 'block') {
    const message = (verdict as { message?: unknown }).message;
    if (typeof message !== 'string' || message.trim() === '') return 'blocked without a message for the caller';
    const status = (verdict as { status?: unknown }).status;
    if (status !== undefined && status !== 400 && status !== 403) return `blocked with status ${String(status)} (400 or 403 only)`;
  }
  return undefined;
}

function checkMutatedMessages(original: readonly ChatMessage[], verdict: Verdict): string | undefined {
  if (verdict.action !== 'mutate') return undefined;
  if (!('messages' in verdict) || !Array.isArray(verdict.messages)) return 'pre_call mutate without a messages list';
  if (verdict.messages.length !== original.length) return `pre_call mutate changed the number of messages (${original.length} → ${verdict.messages.length})`;
  const roleChanged = verdict.messages.some((message, index) => message.role !== original[index].role);
  return roleChanged ? 'pre_call mutate changed a message role' : undefined;
}

/** Runs a hook under a context whose signal fires at once, and reports whether it settled within the grace. */
async function settlesAfterAbort(run: (ctx: GuardrailContext) => unknown, graceMs: number, context: ConformanceOptions<unknown>['context']): Promise<boolean> {
  const controller = new AbortController();
  controller.abort(new Error('time budget spent'));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  try {
    const outcome = await Promise.race([
      Promise.resolve()
        .then(() => run(testContext({ ...context, signal: controller.signal })))
        .then(
          () => 'settled',
          () => 'settled',
        ),
      late,
    ]);
    return outcome === 'settled';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks a plugin against the SDK contract: brand and API version, manifest fields and SDK range, hooks matching
 * the declared phases, well-formed verdicts on benign and adversarial inputs, no mutation in `during_call`, no
 * writes to the (frozen) input, deterministic verdicts, and hooks that settle once their signal fires.
 */
export async function checkGuardrailConformance<C>(plugin: unknown, options: ConformanceOptions<C>): Promise<ConformanceReport> {
  const checks: string[] = [];
  const failures: string[] = [];
  const expect = (check: string, problem: string | undefined | false): void => {
    if (!checks.includes(check)) checks.push(check);
    if (problem) failures.push(`${check}: ${problem}`);
  };

  expect('brand', !isGuardrailPlugin(plugin) && 'the export is not a value built by defineGuardrail()');
  if (!isGuardrailPlugin(plugin)) return { checks, failures };
  const typed = plugin as GuardrailPlugin<C>;
  expect('api version', typed.apiVersion !== GUARDRAIL_API_VERSION && `apiVersion ${String(typed.apiVersion)}, expected ${GUARDRAIL_API_VERSION}`);

  const manifest = typed.manifest;
  expect('manifest id', !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(manifest.id) && `id ${JSON.stringify(manifest.id)} is not kebab-case`);
  expect('manifest version', !isPlainVersion(manifest.version) && `version ${JSON.stringify(manifest.version)} is not x.y.z`);
  expect('sdk range', !satisfiesVersionRange(SDK_VERSION, manifest.sdk) && `range ${JSON.stringify(manifest.sdk)} does not include this SDK (${SDK_VERSION})`);
  expect('description', (typeof manifest.description !== 'string' || manifest.description.trim() === '') && 'missing');
  expect('phases', (manifest.phases.length === 0 || manifest.phases.some((phase) => !GUARDRAIL_PHASES.includes(phase))) && `invalid phases ${JSON.stringify(manifest.phases)}`);
  expect('default phases', (manifest.defaultPhases ?? []).some((phase) => !manifest.phases.includes(phase)) && 'names a phase the plugin does not declare');
  expect(
    'config schema',
    (typeof manifest.configSchema !== 'object' || manifest.configSchema === null || manifest.configSchema.type !== 'object') && 'must be a JSON Schema of type object',
  );
  const schemaProperties = Object.keys(manifest.configSchema.properties ?? {});
  const unknownSecrets = (manifest.secretFields ?? []).filter((field) => !schemaProperties.includes(field));
  expect('secret fields', unknownSecrets.length > 0 && `not in the config schema: ${unknownSecrets.join(', ')}`);

  let guardrail: Guardrail;
  try {
    guardrail = await typed.create(options.config, { instanceName: 'conformance', logger: recordingLogger(), resolvePath: (path) => path });
    expect('create', false);
  } catch (error) {
    expect('create', `create() threw with the given config: ${error instanceof Error ? error.message : String(error)}`);
    return { checks, failures };
  }

  for (const phase of GUARDRAIL_PHASES) {
    const hook = HOOK_OF_PHASE[phase];
    const declared = manifest.phases.includes(phase);
    const present = typeof guardrail[hook] === 'function';
    expect('hooks match phases', declared !== present && (declared ? `phase ${phase} declared but ${hook}() missing` : `${hook}() present but phase ${phase} not declared`));
  }

  const inputs = [...DEFAULT_INPUTS, ...(options.inputs ?? [])].map((input) => deepFreeze(clone(input)));
  const outputs = [...DEFAULT_OUTPUTS, ...(options.outputs ?? [])].map((output) => deepFreeze(clone(output)));
  const streams = [...DEFAULT_STREAMS, ...(options.streamTexts ?? [])];

  const budgetMs = manifest.timeoutMs ?? 5000;
  const call = async (check: string, run: () => unknown, allowed: readonly string[], phase?: GuardrailPhase): Promise<Verdict | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not settle within its ${budgetMs} ms time budget`)), budgetMs);
    });
    try {
      const verdict = (await Promise.race([Promise.resolve().then(run), overrun])) as Verdict;
      expect(check, describeVerdictProblem(verdict, allowed, phase));
      return verdict;
    } catch (error) {
      expect(check, `threw on a well-formed input (${error instanceof Error ? error.message : String(error)}); a thrown error is a malfunction, not a verdict`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };

  for (const input of inputs) {
    if (guardrail.preCall) {
      const first = await call('pre_call verdicts', () => guardrail.preCall!(input, testContext(options.context)), ['allow', 'block', 'mutate']);
      if (first) {
        expect('pre_call keeps messages and roles', checkMutatedMessages(input.messages, first));
        const second = await call('pre_call verdicts', () => guardrail.preCall!(input, testContext(options.context)), ['allow', 'block', 'mutate']);
        expect('deterministic', second !== undefined && JSON.stringify(first) !== JSON.stringify(second) && 'pre_call gave two different verdicts for the same input');
      }
    }
    if (guardrail.duringCall) await call('during_call never mutates', () => guardrail.duringCall!(input, testContext(options.context)), ['allow', 'block']);
    if (guardrail.postCall) {
      for (const output of outputs) {
        const verdict = await call('post_call verdicts', () => guardrail.postCall!(input, output, testContext(options.context)), ['allow', 'block', 'mutate']);
        if (verdict?.action === 'mutate') {
          expect('post_call keeps choices', (!('texts' in verdict) || verdict.texts.length !== output.texts.length) && 'mutate must return one text per choice');
        }
      }
    }
    if (guardrail.maskForLogging) {
      try {
        const masked = await guardrail.maskForLogging(input.messages);
        expect('logging mask keeps messages', masked.length !== input.messages.length && 'maskForLogging changed the number of messages');
      } catch (error) {
        expect('logging mask keeps messages', `threw (${error instanceof Error ? error.message : String(error)})`);
      }
    }
  }

  if (guardrail.onStreamWindow) {
    const windowChars = manifest.streamWindowChars ?? 256;
    for (const text of streams) {
      // One call: the same context (and callState) for every window, and a rewrite carried into the next window.
      const ctx = testContext(options.context);
      let seen = '';
      for (let at = 0; at <= text.length; at += 7) {
        const fresh = text.slice(at, at + 7);
        const final = at + 7 >= text.length;
        const carried = seen.slice(-windowChars);
        const window = deepFreeze({ text: carried + fresh, start: seen.length - carried.length, newTextAt: carried.length, final });
        const verdict = await call('streaming verdicts', () => guardrail.onStreamWindow!(window, inputs[0], ctx), ['allow', 'block', 'mutate'], 'streaming');
        seen = seen.slice(0, window.start) + (verdict?.action === 'mutate' && 'text' in verdict ? verdict.text : window.text);
        if (verdict?.action === 'block' || final) break;
      }
    }
  }

  const graceMs = options.abortGraceMs ?? 1000;
  const timeoutChecks: [string, ((ctx: GuardrailContext) => unknown) | undefined][] = [
    ['preCall', guardrail.preCall && ((ctx) => guardrail.preCall!(inputs[0], ctx))],
    ['duringCall', guardrail.duringCall && ((ctx) => guardrail.duringCall!(inputs[0], ctx))],
    ['postCall', guardrail.postCall && ((ctx) => guardrail.postCall!(inputs[0], outputs[0], ctx))],
    ['onStreamWindow', guardrail.onStreamWindow && ((ctx) => guardrail.onStreamWindow!({ text: 'x', start: 0, newTextAt: 0, final: true }, inputs[0], ctx))],
  ];
  for (const [hook, run] of timeoutChecks) {
    if (run) expect('honours its signal', !(await settlesAfterAbort(run, graceMs, options.context)) && `${hook}() still pending ${graceMs} ms after its signal fired`);
  }

  try {
    await guardrail.close?.();
  } catch (error) {
    expect('close', `threw (${error instanceof Error ? error.message : String(error)})`);
  }
  return { checks, failures };
}

/** Runs {@link checkGuardrailConformance} and throws one error listing every failure. */
export async function assertGuardrailConformance<C>(plugin: unknown, options: ConformanceOptions<C>): Promise<ConformanceReport> {
  const report = await checkGuardrailConformance(plugin, options);
  if (report.failures.length > 0) throw new Error(`guardrail plugin does not conform to the SDK:\n- ${report.failures.join('\n- ')}`);
  return report;
}

/** What {@link streamThrough} saw: the reply as the client gets it, each window, and the block that ended it. */
export interface StreamRun {
  readonly text: string;
  readonly windows: readonly StreamWindow[];
  readonly blocked?: BlockVerdict;
}

/**
 * Feeds a streamed reply, piece by piece, to a guardrail's `onStreamWindow` as Tollgate does (SDK 1.3): each window
 * is the last `windowChars` characters already seen plus the new piece, a rewrite replaces the window's text for the
 * client and for later windows, and a last `final` window closes the stream. One context (one `callState`) serves the
 * whole stream; pass `ctx` to share it with a `preCall` made before.
 */
export async function streamThrough(
  guardrail: Guardrail,
  pieces: readonly string[],
  options: { windowChars?: number; input?: GuardrailInput; ctx?: GuardrailContext } = {},
): Promise<StreamRun> {
  if (!guardrail.onStreamWindow) throw new Error('the guardrail has no onStreamWindow hook');
  const windowChars = options.windowChars ?? 256;
  const input = options.input ?? userInput('stream');
  const ctx = options.ctx ?? testContext();
  const windows: StreamWindow[] = [];
  let seen = '';
  const feed = async (fresh: string, final: boolean): Promise<BlockVerdict | undefined> => {
    const carried = seen.slice(-windowChars);
    const window: StreamWindow = deepFreeze({ text: carried + fresh, start: seen.length - carried.length, newTextAt: carried.length, final });
    windows.push(window);
    const verdict = await guardrail.onStreamWindow!(window, input, ctx);
    if (verdict.action === 'block') return verdict;
    seen = seen.slice(0, window.start) + (verdict.action === 'mutate' ? verdict.text : window.text);
    return undefined;
  };
  for (const piece of pieces) {
    if (piece === '') continue;
    const blocked = await feed(piece, false);
    if (blocked) return { text: seen, windows, blocked };
  }
  const blocked = await feed('', true);
  return blocked ? { text: seen, windows, blocked } : { text: seen, windows };
}

/**
 * The longest time (ms) the event loop went without a turn while `work` ran: how long a guardrail that scans long
 * texts blocks other requests between its slices. Wall-clock time, so other processes on a busy machine can only
 * make it larger: take the best of a few runs ({@link bestOf}) before comparing it with a bound.
 */
export async function longestBlockingMs(work: () => Promise<unknown>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const sample = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(sample);
  };
  setImmediate(sample);
  try {
    await work();
  } finally {
    running = false;
  }
  // One more turn, so a stall at the very end is sampled too.
  await new Promise((resolve) => setImmediate(resolve));
  sample();
  return longest;
}

/** The smallest of `runs` measurements: noise from a busy machine only ever adds time. */
export async function bestOf(runs: number, measure: () => Promise<number>): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < runs; run++) best = Math.min(best, await measure());
  return best;
}
