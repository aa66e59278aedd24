import { performance } from 'node:perf_hooks';
import type {
  AllowVerdict,
  ChatMessage,
  GuardrailContext,
  GuardrailInput,
  GuardrailModels,
  GuardrailOperation,
  GuardrailPhase,
  MaybePromise,
  StreamWindow,
  Verdict,
} from '@tollgate/guardrail-sdk';
import type { GuardrailObserver, GuardrailOutcome } from './guardrail.metrics';
import type { GuardrailModelGateway, GuardrailModelOrigin } from './guardrail-models';
import type { GuardrailInstance } from './guardrail-registry';
import { GuardrailBlockedError, GuardrailFailedError } from './guardrails.errors';

/** Who is calling, for the hook context. */
export interface GuardrailCaller {
  readonly requestId: string;
  readonly keyId: string | null;
  readonly teamId: string | null;
}

/** The mutable request body the gateway forwards; pre_call rewrites land in it. */
export type GuardrailBody = Record<string, unknown>;

class HookTimedOut extends Error {
  constructor() {
    super('guardrail hook timed out');
    this.name = 'HookTimedOut';
  }
}

const ALLOW: AllowVerdict = Object.freeze({ action: 'allow' });

/** The abort reason a hook's signal carries once its verdict is in: made once, not per hook. */
const HOOK_SETTLED = Object.freeze(new DOMException('the guardrail hook has settled; its answer is no longer awaited', 'AbortError'));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A frozen copy of JSON-shaped data (a parsed request's messages and metadata) in one pass: what structuredClone
 * and a freeze walk did in two, at a fraction of the cost on the per-call path.
 */
function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = frozenCopy((value as Record<string, unknown>)[key]);
  return Object.freeze(copy) as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** What guardrails see of a request's text, and where a `pre_call` rewrite is written back. */
export interface GuardrailText {
  /** The request's text as chat messages (a prompt, an input, a query: user messages). */
  read(): ChatMessage[];
  /** Writes rewritten messages back into the request in the shape it came in. */
  write(messages: readonly ChatMessage[]): void;
}

/** The text of a finished reply (one per choice), and where a `post_call` rewrite goes. */
export interface GuardrailReply {
  readonly texts: readonly string[];
  write(texts: readonly string[]): void;
}

function isVerdict(value: unknown, allowed: readonly string[]): value is Verdict {
  if (!isRecord(value) || typeof value.action !== 'string' || !allowed.includes(value.action)) return false;
  if (value.action === 'block') return typeof value.message === 'string' && value.message !== '' && (value.status === undefined || value.status === 400 || value.status === 403);
  return true;
}

/**
 * The guardrails selected for one call, and the call's progress through them: `preCall` (in priority order,
 * each seeing the previous rewrite), `duringCall` (in parallel, beside the provider), `postCall` on the reply,
 * and a {@link StreamGuard} for a streamed reply. Every hook runs under its instance's time budget; a throw, a
 * timeout or a malformed verdict is a failure handled by `on_error`, never mistaken for a verdict.
 */
export class GuardrailCall {
  /** Names of the selected instances, in run order (the `x-litellm-applied-guardrails` header and spend row). */
  readonly applied: readonly string[];
  private current?: GuardrailInput;
  /** Each instance's `ctx.callState`, made on first use and dropped with the call. */
  private readonly states = new Map<GuardrailInstance, Map<string, unknown>>();

  constructor(
    private readonly instances: readonly GuardrailInstance[],
    private readonly operation: GuardrailOperation,
    private readonly body: GuardrailBody,
    private readonly text: GuardrailText,
    private readonly caller: GuardrailCaller,
    private readonly observer?: GuardrailObserver,
    private readonly models?: GuardrailModelGateway,
  ) {
    this.applied = [...new Set(instances.map((instance) => instance.name))];
  }

  /** The frozen input hooks see; built on first use, so a call with no guardrail copies nothing. */
  private get input(): GuardrailInput {
    this.current ??= this.snapshot(this.text.read());
    return this.current;
  }

  private set input(input: GuardrailInput) {
    this.current = input;
  }

  /** True when some selected instance runs in `phase`. */
  runs(phase: GuardrailPhase): boolean {
    return this.instances.some((instance) => instance.phases.has(phase));
  }

  /**
   * Runs `pre_call` hooks one after another; rewrites are written back into the body before the provider sees it.
   * @throws GuardrailBlockedError, GuardrailFailedError
   */
  async preCall(): Promise<void> {
    let rewritten = false;
    for (const instance of this.instances) {
      if (!instance.phases.has('pre_call') || !instance.guardrail.preCall) continue;
      const input = this.input;
      const verdict = await this.run(instance, 'pre_call', (ctx) => instance.guardrail.preCall!(input, ctx), ['allow', 'block', 'mutate']);
      if (verdict.action === 'block') throw new GuardrailBlockedError(instance.name, verdict.message, verdict.status);
      if (verdict.action !== 'mutate') continue;
      const messages = 'messages' in verdict ? verdict.messages : undefined;
      if (!Array.isArray(messages) || messages.length !== input.messages.length || messages.some((message, i) => message?.role !== input.messages[i].role)) {
        this.fail(instance, 'pre_call', 'invalid verdict');
        continue;
      }
      this.input = this.snapshot(messages);
      rewritten = true;
    }
    if (rewritten) this.text.write(structuredClone(this.input.messages) as ChatMessage[]);
  }

  /**
   * Starts every `during_call` hook; the promise settles once all allowed (or rejects on the first block or
   * failure, after calling `onBlock` so the provider call can be cancelled). Undefined when none is selected.
   */
  duringCall(onBlock: () => void): Promise<void> | undefined {
    const hooks = this.instances.filter((instance) => instance.phases.has('during_call') && instance.guardrail.duringCall);
    if (hooks.length === 0) return undefined;
    const input = this.input;
    const verdicts = hooks.map(async (instance) => {
      const verdict = await this.run(instance, 'during_call', (ctx) => instance.guardrail.duringCall!(input, ctx), ['allow', 'block']);
      if (verdict.action === 'block') throw new GuardrailBlockedError(instance.name, verdict.message, verdict.status);
    });
    return Promise.all(verdicts).then(
      () => undefined,
      (error: unknown) => {
        onBlock();
        throw error;
      },
    );
  }

  /**
   * Runs `post_call` hooks on a non-streamed reply; rewrites replace the reply's text.
   * @throws GuardrailBlockedError, GuardrailFailedError
   */
  async postCall(reply: GuardrailReply | undefined): Promise<void> {
    if (!reply || reply.texts.length === 0) return;
    let texts = reply.texts;
    for (const instance of this.instances) {
      if (!instance.phases.has('post_call') || !instance.guardrail.postCall) continue;
      const output = deepFreeze({ texts: [...texts] });
      const input = this.input;
      const verdict = await this.run(instance, 'post_call', (ctx) => instance.guardrail.postCall!(input, output, ctx), ['allow', 'block', 'mutate']);
      if (verdict.action === 'block') throw new GuardrailBlockedError(instance.name, verdict.message, verdict.status);
      if (verdict.action !== 'mutate') continue;
      const rewritten = 'texts' in verdict ? verdict.texts : undefined;
      if (!Array.isArray(rewritten) || rewritten.length !== texts.length || rewritten.some((text) => typeof text !== 'string')) {
        this.fail(instance, 'post_call', 'invalid verdict');
        continue;
      }
      texts = rewritten;
      reply.write(rewritten);
    }
  }

  /**
   * A guard for a streamed reply, or undefined when no selected instance checks streams. `rewrite` puts a new text
   * into a held event (a `streaming` rewrite lands in the events not yet sent).
   */
  streamGuard(rewrite: EventRewrite): StreamGuard | undefined {
    const hooks = this.instances.filter((instance) => instance.phases.has('streaming') && instance.guardrail.onStreamWindow);
    return hooks.length === 0 ? undefined : new StreamGuard(hooks, (instance, window) => this.checkWindow(instance, window), rewrite);
  }

  private async checkWindow(instance: GuardrailInstance, window: StreamWindow): Promise<Verdict> {
    const verdict = await this.run(instance, 'streaming', (ctx) => instance.guardrail.onStreamWindow!(window, this.input, ctx), ['allow', 'block', 'mutate']);
    if (verdict.action === 'mutate' && !('text' in verdict && typeof verdict.text === 'string')) return this.fail(instance, 'streaming', 'invalid verdict');
    return verdict;
  }

  private snapshot(messages: readonly ChatMessage[]): GuardrailInput {
    const metadata = isRecord(this.body.metadata) ? this.body.metadata : {};
    return Object.freeze({
      operation: this.operation,
      model: typeof this.body.model === 'string' ? this.body.model : '',
      messages: frozenCopy(messages) as ChatMessage[],
      user: typeof this.body.user === 'string' ? this.body.user : undefined,
      metadata: frozenCopy(metadata),
    });
  }

  /**
   * One hook under the instance's time budget; failures become `on_error` outcomes. The hook's abort signal is made
   * only when the hook reads it (`signal`, `fetch`, `models`): most hooks never do, and a controller, its abort
   * event and the DOMException an abort without a reason builds cost more than the redaction they surround.
   */
  private async run(instance: GuardrailInstance, phase: GuardrailPhase, invoke: (ctx: GuardrailContext) => MaybePromise<unknown>, allowed: readonly string[]): Promise<Verdict> {
    let budget: AbortController | undefined;
    const signal = (): AbortSignal => (budget ??= new AbortController()).signal;
    const models = this.models;
    const caller = this.caller;
    const ctx: GuardrailContext = {
      requestId: caller.requestId,
      keyId: caller.keyId,
      teamId: caller.teamId,
      guardrailName: instance.name,
      get signal() {
        return signal();
      },
      logger: instance.logger,
      fetch: (resource, init) => fetch(resource, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal()]) : signal() }),
      callState: this.stateOf(instance),
      get models() {
        return models ? bindModels(models, { guardrailName: instance.name, requestId: caller.requestId, signal: signal() }) : undefined;
      },
    };
    const started = performance.now();
    const report = (outcome: GuardrailOutcome): void => this.observer?.observe(instance.name, phase, outcome, (performance.now() - started) / 1000);
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let verdict: unknown;
    try {
      verdict = await new Promise<unknown>((resolve, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          const reason = new HookTimedOut();
          budget?.abort(reason);
          reject(reason);
        }, instance.timeoutMs);
        Promise.resolve()
          .then(() => invoke(ctx))
          .then(resolve, reject);
      });
    } catch (error) {
      report(timedOut ? 'timeout' : 'error');
      return this.fail(instance, phase, timedOut ? 'timeout' : 'error', error);
    } finally {
      clearTimeout(timer);
      // Tells a plugin still working (e.g. on a request) that its answer is no longer wanted.
      if (budget && !budget.signal.aborted) budget.abort(HOOK_SETTLED);
    }
    if (!isVerdict(verdict, allowed)) {
      report('invalid_verdict');
      return this.fail(instance, phase, 'invalid verdict');
    }
    report(verdict.action);
    return verdict;
  }

  private stateOf(instance: GuardrailInstance): Map<string, unknown> {
    let state = this.states.get(instance);
    if (!state) {
      state = new Map();
      this.states.set(instance, state);
    }
    return state;
  }

  /** `fail_open` lets the call pass with a warning; `fail_closed` (the default) refuses it. */
  private fail(instance: GuardrailInstance, phase: GuardrailPhase, reason: 'error' | 'timeout' | 'invalid verdict', cause?: unknown): AllowVerdict {
    // The error's class only: its message may quote the request.
    const kind = cause instanceof Error ? ` (${cause.name})` : '';
    if (instance.onError === 'fail_open') {
      instance.logger.warn(`${phase} ${reason}${kind}; the call goes on (on_error: fail_open)`);
      return ALLOW;
    }
    instance.logger.error(`${phase} ${reason}${kind}; the call is refused (on_error: fail_closed)`);
    throw new GuardrailFailedError(instance.name, reason, cause);
  }
}

function bindModels(gateway: GuardrailModelGateway, origin: GuardrailModelOrigin): GuardrailModels {
  return { chat: (request) => gateway.chat(request, origin), moderate: (request) => gateway.moderate(request, origin) };
}

/** One checker of a streamed reply: its instance and how to run its hook on a window. */
type WindowCheck = (instance: GuardrailInstance, window: StreamWindow) => Promise<Verdict>;

/** Puts a new reply text into one stream event (the wire format is the pipeline's). */
export type EventRewrite = (event: string, text: string) => string;

/** An event not yet sent, with the reply text it carries (after any rewrite). */
interface HeldEvent {
  event: string;
  text: string;
}

/**
 * Checks a streamed reply on a sliding window and holds back the most recent text: each check sees the last
 * `windowChars` characters already checked plus the new text, and an event is released only once at least
 * `windowChars` characters have followed it. So a pattern up to `windowChars` long that is split across chunks is
 * caught before any part of it reaches the client, and the whole window is still held when a check rewrites it
 * (masking, de-masking): the rewrite is spread over the held events it covers.
 */
export class StreamGuard {
  readonly windowChars: number;
  /** Characters already released: the reply offset of the first held event. */
  private released = 0;
  private readonly held: HeldEvent[] = [];
  private heldChars = 0;

  constructor(
    private readonly instances: readonly GuardrailInstance[],
    private readonly check: WindowCheck,
    private readonly rewrite: EventRewrite,
  ) {
    this.windowChars = Math.max(...instances.map((instance) => instance.streamWindowChars));
  }

  /**
   * Takes one event and the reply text it carries; returns the events that may now be sent, oldest first.
   * @throws GuardrailBlockedError, GuardrailFailedError (the stream must end with the error)
   */
  async push(event: string, text: string): Promise<string[]> {
    this.held.push({ event, text });
    this.heldChars += text.length;
    if (text !== '') await this.checkWindow(text.length, false);
    const released: string[] = [];
    while (this.held.length > 0 && this.heldChars - this.held[0].text.length >= this.windowChars) {
      const first = this.held.shift()!;
      this.heldChars -= first.text.length;
      this.released += first.text.length;
      released.push(first.event);
    }
    return released;
  }

  /** The final check at the end of the stream; returns every event still held. */
  async finish(): Promise<string[]> {
    await this.checkWindow(0, true);
    const released = this.held.map((item) => item.event);
    this.held.length = 0;
    this.heldChars = 0;
    return released;
  }

  /** The window is the held text's tail: up to `windowChars` checked characters, then the `fresh` new ones. */
  private async checkWindow(fresh: number, final: boolean): Promise<void> {
    const heldText = this.held.map((item) => item.text).join('');
    const from = Math.max(0, heldText.length - fresh - this.windowChars);
    const original = heldText.slice(from);
    let text = original;
    let newTextAt = heldText.length - fresh - from;
    for (const instance of this.instances) {
      const verdict = await this.check(instance, { text, start: this.released + from, newTextAt, final });
      if (verdict.action === 'block') throw new GuardrailBlockedError(instance.name, verdict.message, verdict.status);
      if (verdict.action !== 'mutate' || !('text' in verdict)) continue;
      newTextAt = Math.min(newTextAt, commonPrefixLength(text, verdict.text));
      text = verdict.text;
    }
    if (text !== original) this.replaceHeldTail(from, original, text);
  }

  /** Replaces the held text from `from` on (`before`) with `after`, touching only the events whose text changes. */
  private replaceHeldTail(from: number, before: string, after: string): void {
    const prefix = commonPrefixLength(before, after);
    const suffix = Math.min(commonSuffixLength(before, after), before.length - prefix, after.length - prefix);
    const start = from + prefix;
    const end = from + before.length - suffix;
    const inserted = after.slice(prefix, after.length - suffix);
    let offset = 0;
    let placed = false;
    for (const [index, item] of this.held.entries()) {
      const itemStart = offset;
      const itemEnd = offset + item.text.length;
      offset = itemEnd;
      if (itemEnd <= start && !(index === this.held.length - 1 && !placed)) continue;
      let next: string;
      if (!placed && (itemEnd > start || index === this.held.length - 1)) {
        // The replaced range begins in this event: it takes the new text, and keeps what follows the range in it.
        next = item.text.slice(0, start - itemStart) + inserted + (end <= itemEnd ? item.text.slice(end - itemStart) : '');
        placed = true;
      } else if (itemStart < end) {
        next = end >= itemEnd ? '' : item.text.slice(end - itemStart);
      } else {
        break;
      }
      if (next !== item.text) {
        this.heldChars += next.length - item.text.length;
        item.event = this.rewrite(item.event, next);
        item.text = next;
      }
    }
  }
}

function commonPrefixLength(a: string, b: string): number {
  const limit = Math.min(a.length, b.length);
  let i = 0;
  while (i < limit && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffixLength(a: string, b: string): number {
  const limit = Math.min(a.length, b.length);
  let i = 0;
  while (i < limit && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}
