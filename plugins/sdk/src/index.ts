/**
 * `@tollgate/guardrail-sdk`: the published contract between the Tollgate gateway and its guardrail plugins.
 *
 * A plugin is a package whose default export (or `module.exports`) is the value returned by
 * {@link defineGuardrail}. The host loads it by package name, checks its {@link GuardrailManifest}, validates the
 * operator's config against `manifest.configSchema`, calls `create()` once per configured instance, and then
 * calls the instance's hooks on each request.
 *
 * Two kinds of outcome are kept apart on purpose: a {@link Verdict} is an expected policy result (allow, block,
 * mutate); a thrown error is a malfunction, and the host then applies the instance's `on_error` setting
 * (`fail_closed` by default: the request is refused).
 *
 * @packageDocumentation
 */

/** The SDK's own version. The host checks every plugin's `manifest.sdk` range against the version it ships. */
export const SDK_VERSION = '1.3.0';

/** Version of the plugin object's shape; bumped only when {@link GuardrailPlugin} itself changes incompatibly. */
export const GUARDRAIL_API_VERSION = 1;

/** The brand {@link defineGuardrail} puts on a plugin, so the host can tell a plugin from any other export. */
export const GUARDRAIL_PLUGIN_BRAND = 'tollgate.guardrail-plugin';

/**
 * When a hook runs, after LiteLLM's guardrail event hooks:
 * - `pre_call`: before routing; may rewrite the input (redaction) or block. Runs one plugin after another,
 *   in priority order, each seeing the previous one's rewrite.
 * - `during_call`: beside the provider call; may only allow or block. A block cancels the provider call. For a
 *   streamed reply, no byte reaches the client before every `during_call` verdict is in.
 * - `post_call`: on the full reply of a non-streamed call; may block or rewrite the reply's text.
 * - `streaming`: on a streamed reply, over a sliding window of text so a pattern split across chunks is seen
 *   whole; may block (the stream ends with an error event) before the window's text reaches the client, or
 *   rewrite the window's text (masking, de-masking) while the host still holds it back.
 * - `logging_only`: masks copies of the input kept for logging; never changes what the provider sees.
 */
export type GuardrailPhase = 'pre_call' | 'during_call' | 'post_call' | 'streaming' | 'logging_only';

/** Every phase, in the order a call meets them. */
export const GUARDRAIL_PHASES: readonly GuardrailPhase[] = ['pre_call', 'during_call', 'post_call', 'streaming', 'logging_only'];

/**
 * Who switches an instance on, for plugins that declare {@link GuardrailManifest.activationModes}:
 * - `all`: every request (subject to the usual per-key and per-request switches).
 * - `key-specific`: only requests whose key has `permissions: {"enable_<id>_check": true}` (or `{<name>: true}`).
 * - `request-specific`: only requests carrying `metadata.permissions: {"enable_<id>_check": true}`.
 */
export type ActivationMode = 'all' | 'key-specific' | 'request-specific';

/** JSON Schema primitive type names. */
export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/**
 * A JSON Schema (draft 2020-12 / draft-07 subset that Ajv understands) describing a plugin's config block.
 * The host validates the operator's config with it before `create()` is called.
 */
export interface JsonSchema {
  type?: JsonSchemaType | readonly JsonSchemaType[];
  description?: string;
  default?: unknown;
  enum?: readonly unknown[];
  const?: unknown;
  properties?: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  oneOf?: readonly JsonSchema[];
  anyOf?: readonly JsonSchema[];
  /** Further JSON Schema keywords, passed to the validator as they are. */
  [keyword: string]: unknown;
}

/** What a plugin tells the host about itself; checked at boot before any instance is created. */
export interface GuardrailManifest<C = Record<string, unknown>> {
  /** Kebab-case id, e.g. `hide-secrets`; must equal package.json `"tollgate": {"guardrail": "<id>"}`. */
  readonly id: string;
  /** The plugin's own semver (equals its package.json version). */
  readonly version: string;
  /** Semver range of this SDK the plugin was built against, e.g. `^1.0.0`. */
  readonly sdk: string;
  /** One line for operators (shown in boot logs and errors). */
  readonly description: string;
  /** Phases the plugin implements; each needs its hook, and no hook may exist without its phase. */
  readonly phases: readonly GuardrailPhase[];
  /**
   * Phases an instance runs when its config names no `mode` (the `litellm_settings.callbacks` form).
   * Defaults to every phase in {@link phases} except `logging_only`.
   */
  readonly defaultPhases?: readonly GuardrailPhase[];
  /** Ordering within a phase: higher runs first; ties keep config order. Default 0. */
  readonly priority?: number;
  /** JSON Schema of the instance's config block. Unknown keys should be allowed: LiteLLM configs carry many. */
  readonly configSchema: JsonSchema;
  /** Config fields holding credentials; the host never logs them and resolves `os.environ/NAME` references. */
  readonly secretFields?: readonly (keyof C & string)[];
  /** Default per-hook time budget in milliseconds (the operator may override with `timeout_ms`). Default 5000. */
  readonly timeoutMs?: number;
  /** Characters of earlier stream text each streaming window must include (the longest pattern). Default 256. */
  readonly streamWindowChars?: number;
  /** Activation modes the plugin supports, chosen per instance with the config key `guardrail_mode`. */
  readonly activationModes?: readonly ActivationMode[];
}

/** One part of a multi-part message content (OpenAI's `[{type: "text", text}]` form). */
export interface ContentPart {
  readonly type: string;
  readonly text?: string;
  readonly [extra: string]: unknown;
}

/** Message content as OpenAI's API carries it. */
export type MessageContent = string | null | readonly ContentPart[];

/** A chat message in OpenAI's schema, which is Tollgate's internal model for every provider. */
export interface ChatMessage {
  readonly role: string;
  readonly content: MessageContent;
  readonly name?: string;
  readonly [extra: string]: unknown;
}

/**
 * What kind of call the input belongs to. Everything but chat arrives as user messages: completion prompts,
 * embedding inputs, image prompts, speech input, moderation input, a transcription's prompt, a rerank query and
 * its documents, and the text of a pass-through body.
 */
export type GuardrailOperation = 'chat' | 'completion' | 'embedding' | 'image_generation' | 'speech' | 'transcription' | 'moderation' | 'rerank' | 'pass_through';

/** The request, as every hook sees it. Treat it as read-only: the host freezes it. */
export interface GuardrailInput {
  readonly operation: GuardrailOperation;
  /** The model the caller asked for. */
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  /** The end user (`user` in the body), when given. */
  readonly user?: string;
  /** The request's `metadata`, including per-request guardrail arguments. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A non-streamed reply: the text of each choice, in choice order. */
export interface GuardrailOutput {
  readonly texts: readonly string[];
}

/**
 * A view of a streamed reply. `text` holds up to `streamWindowChars` characters already seen, followed by the text
 * that arrived since the previous window; `start` is the offset of `text` within the whole reply. The last window
 * of a stream has `final: true` (its new text may be empty).
 */
export interface StreamWindow {
  readonly text: string;
  readonly start: number;
  /** Offset within `text` where the new text begins. */
  readonly newTextAt: number;
  readonly final: boolean;
}

/** The request may go on unchanged. */
export interface AllowVerdict {
  readonly action: 'allow';
}

/** The request (or reply) is refused; `message` is shown to the caller, so it must not contain the offending secret. */
export interface BlockVerdict {
  readonly action: 'block';
  readonly message: string;
  /** HTTP status of the refusal: 400 (default) or 403. */
  readonly status?: 400 | 403;
  /** A short machine-readable reason, e.g. `banned_keyword`; goes to logs and metrics. */
  readonly category?: string;
}

/** `pre_call` rewrite: the messages to send instead (same count and roles; only content changes). */
export interface MutateInputVerdict {
  readonly action: 'mutate';
  readonly messages: readonly ChatMessage[];
  /** What was found, by kind only (never the values), for the host's warning log. */
  readonly findings?: readonly string[];
}

/** `post_call` rewrite: the text of each choice to return instead. */
export interface MutateOutputVerdict {
  readonly action: 'mutate';
  readonly texts: readonly string[];
  readonly findings?: readonly string[];
}

/**
 * `streaming` rewrite (SDK 1.3): the whole window's text as the client is to see it. The host holds back at least a
 * window of text, so every part of `window.text` (the carried-over part included) can still change; text before
 * `window.start` cannot. Later windows carry the rewritten text.
 */
export interface MutateStreamVerdict {
  readonly action: 'mutate';
  readonly text: string;
  readonly findings?: readonly string[];
}

/** Any verdict. */
export type Verdict = AllowVerdict | BlockVerdict | MutateInputVerdict | MutateOutputVerdict | MutateStreamVerdict;
/** What `preCall` may answer. */
export type PreCallVerdict = AllowVerdict | BlockVerdict | MutateInputVerdict;
/** What `duringCall` may answer: it runs beside the provider call, so it can never change the input. */
export type DuringCallVerdict = AllowVerdict | BlockVerdict;
/** What `postCall` may answer. */
export type PostCallVerdict = AllowVerdict | BlockVerdict | MutateOutputVerdict;
/** What `onStreamWindow` may answer (a rewrite since SDK 1.3). */
export type StreamVerdict = AllowVerdict | BlockVerdict | MutateStreamVerdict;

/** A value or a promise of it: hooks may be synchronous. */
export type MaybePromise<T> = T | Promise<T>;

/** A logger scoped to one guardrail instance. Never log message text or secret values. */
export interface GuardrailLogger {
  debug(message: string): void;
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Per-call context handed to every hook. It exposes nothing of the host beyond these fields. */
export interface GuardrailContext {
  /** Tollgate's id of the call (`chatcmpl-…`). */
  readonly requestId: string;
  /** Token hash of the calling key, when the call has one. */
  readonly keyId: string | null;
  readonly teamId: string | null;
  /** The configured instance's name (`guardrail_name`, or the callback name). */
  readonly guardrailName: string;
  /** Aborted when the hook's time budget runs out or the call ends; pass it to any I/O. */
  readonly signal: AbortSignal;
  readonly logger: GuardrailLogger;
  /** `fetch` bound to {@link signal}, for plugins that call a service. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Scratch space of this instance for this one call (SDK 1.3): the same map in every hook of the call, dropped when
   * the call ends. What `pre_call` learns that `post_call` and `streaming` need (e.g. which placeholder stands for
   * which original value) lives here, never in module state shared between calls.
   */
  readonly callState: Map<string, unknown>;
  /**
   * Models configured on this Tollgate, for guardrails whose judge is a model (LlamaGuard, OpenAI moderation):
   * called through Tollgate's own router, so any configured deployment serves, and recorded on the spend ledger as
   * the guardrail's call. Undefined where the host offers no models (the conformance kit's default context).
   */
  readonly models?: GuardrailModels;
}

/** A chat completion a guardrail asks of a configured model. */
export interface GuardrailModelRequest {
  /** A `model_name` of the host's `model_list`. */
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number;
  readonly temperature?: number;
}

/** The model's answer: the text of its first choice. */
export interface GuardrailModelReply {
  readonly text: string;
}

/** What a guardrail may ask of the host's models. Calls are aborted with the hook's {@link GuardrailContext.signal}. */
export interface GuardrailModels {
  chat(request: GuardrailModelRequest): Promise<GuardrailModelReply>;
  /** OpenAI's moderations API on a configured moderation model: the provider's JSON answer as it came. */
  moderate(request: { readonly model: string; readonly input: string | readonly string[] }): Promise<Readonly<Record<string, unknown>>>;
}

/** Handed to `create()` once per configured instance. */
export interface GuardrailInitContext {
  /** The configured instance's name. */
  readonly instanceName: string;
  readonly logger: GuardrailLogger;
  /** Resolves a path from the config (e.g. a `.txt` list) against the config file's directory. */
  resolvePath(path: string): string;
}

/**
 * A configured guardrail instance. Implement the hook of every phase the manifest declares, and no other.
 * Every hook may throw: the host then applies `on_error` (`fail_closed` refuses the call, `fail_open` lets it
 * pass and logs the failure).
 */
export interface Guardrail {
  /** Before routing, in priority order; may rewrite the messages or block. */
  preCall?(input: GuardrailInput, ctx: GuardrailContext): MaybePromise<PreCallVerdict>;
  /** Beside the provider call; may only allow or block. A block cancels the provider call. */
  duringCall?(input: GuardrailInput, ctx: GuardrailContext): MaybePromise<DuringCallVerdict>;
  /** On the full reply of a non-streamed call. */
  postCall?(input: GuardrailInput, output: GuardrailOutput, ctx: GuardrailContext): MaybePromise<PostCallVerdict>;
  /**
   * On each window of a streamed reply; a block ends the stream before the window's new text is sent, a rewrite
   * replaces the window's text.
   */
  onStreamWindow?(window: StreamWindow, input: GuardrailInput, ctx: GuardrailContext): MaybePromise<StreamVerdict>;
  /** Masks the copy of the messages kept for logs (`logging_only`); the provider still sees the original. */
  maskForLogging?(messages: readonly ChatMessage[]): MaybePromise<readonly ChatMessage[]>;
  /** Called once at shutdown. */
  close?(): MaybePromise<void>;
}

/** What {@link defineGuardrail} takes. */
export interface GuardrailDefinition<C> {
  readonly manifest: GuardrailManifest<C>;
  /** Builds one instance from its validated config. May be async (e.g. to read a word list). */
  create(config: C, init: GuardrailInitContext): MaybePromise<Guardrail>;
}

/** A guardrail plugin: the value a plugin package exports. Build it with {@link defineGuardrail}. */
export interface GuardrailPlugin<C = Record<string, unknown>> extends GuardrailDefinition<C> {
  readonly $$type: typeof GUARDRAIL_PLUGIN_BRAND;
  readonly apiVersion: typeof GUARDRAIL_API_VERSION;
}

/**
 * Declares a guardrail plugin; export its result as the package's default export.
 *
 * @example
 * ```ts
 * export default defineGuardrail<{ word: string }>({
 *   manifest: { id: 'no-word', version: '1.0.0', sdk: '^1.0.0', description: 'Blocks one word', phases: ['pre_call'],
 *     configSchema: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] } },
 *   create: ({ word }) => ({
 *     preCall: (input) => (messageTexts(input.messages).some((t) => t.includes(word)) ? block(`Word ${word} is not allowed`) : allow()),
 *   }),
 * });
 * ```
 */
export function defineGuardrail<C>(definition: GuardrailDefinition<C>): GuardrailPlugin<C> {
  return Object.freeze({ $$type: GUARDRAIL_PLUGIN_BRAND, apiVersion: GUARDRAIL_API_VERSION, manifest: definition.manifest, create: definition.create });
}

/** True for a value built by {@link defineGuardrail} (of any SDK copy: the brand is a plain string). */
export function isGuardrailPlugin(value: unknown): value is GuardrailPlugin<unknown> {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === GUARDRAIL_PLUGIN_BRAND;
}

const ALLOW: AllowVerdict = Object.freeze({ action: 'allow' });

/** The `allow` verdict. */
export function allow(): AllowVerdict {
  return ALLOW;
}

/** A `block` verdict with the text the caller sees (default status 400). */
export function block(message: string, options: { status?: 400 | 403; category?: string } = {}): BlockVerdict {
  return { action: 'block', message, ...options };
}

/** A `pre_call` rewrite. */
export function mutateMessages(messages: readonly ChatMessage[], findings?: readonly string[]): MutateInputVerdict {
  return findings ? { action: 'mutate', messages, findings } : { action: 'mutate', messages };
}

/** A `post_call` rewrite. */
export function mutateTexts(texts: readonly string[], findings?: readonly string[]): MutateOutputVerdict {
  return findings ? { action: 'mutate', texts, findings } : { action: 'mutate', texts };
}

/** A `streaming` rewrite: the window's whole text as the client is to see it (SDK 1.3). */
export function mutateWindow(text: string, findings?: readonly string[]): MutateStreamVerdict {
  return findings ? { action: 'mutate', text, findings } : { action: 'mutate', text };
}

const STREAM_CHECKED_TO = 'tollgate.sdk.streamCheckedTo';
/** The longest partial word {@link streamTextToCheck} leaves for the next check. */
const WORD_TAIL = 64;

/** The part of a stream window a guardrail that calls a service should send now; see {@link streamTextToCheck}. */
export interface StreamCheck {
  /** The text to check: the unchecked text, after up to `overlapChars` of already-checked text. */
  readonly text: string;
  /** Where {@link text} begins within `window.text`. */
  readonly offset: number;
  /** Where it ends within `window.text`; what follows (a word still arriving) waits for the next check. */
  readonly end: number;
}

/**
 * Paces the streaming check of a guardrail that calls a service (SDK 1.3): one call per `everyChars` characters of a
 * streamed reply, and one on its final window, instead of one per chunk. Returns what to check now, or undefined
 * when the check may wait for more text; after checking, record it with {@link streamTextChecked}. Before the final
 * window a partial last word (up to 64 characters) is left for the next check, so no check sees half a name.
 *
 * Waiting is safe because the host releases text only once `streamWindowChars` characters follow it: keep
 * `everyChars` between 64 and the manifest's `streamWindowChars`, and unchecked text never reaches the client.
 */
export function streamTextToCheck(window: StreamWindow, ctx: Pick<GuardrailContext, 'callState'>, options: { everyChars: number; overlapChars?: number }): StreamCheck | undefined {
  const end = window.start + window.text.length;
  const recorded = ctx.callState.get(STREAM_CHECKED_TO);
  const checkedTo = typeof recorded === 'number' ? Math.min(Math.max(recorded, window.start), end) : window.start;
  if (window.final ? checkedTo === end : end - checkedTo < options.everyChars) return undefined;
  const offset = Math.max(0, checkedTo - window.start - (options.overlapChars ?? 0));
  let stop = window.text.length;
  if (!window.final) {
    const afterSpace = Math.max(window.text.lastIndexOf(' '), window.text.lastIndexOf('\n'), window.text.lastIndexOf('\t')) + 1;
    if (afterSpace > checkedTo - window.start && stop - afterSpace <= WORD_TAIL) stop = afterSpace;
  }
  return { text: window.text.slice(offset, stop), offset, end: stop };
}

/**
 * Records that `check` was checked, and returns the window's text with `replacement` (a masked `check.text`) in its
 * place: what to answer with {@link mutateWindow} when it differs from `window.text`.
 */
export function streamTextChecked(window: StreamWindow, ctx: Pick<GuardrailContext, 'callState'>, check: StreamCheck, replacement: string = check.text): string {
  ctx.callState.set(STREAM_CHECKED_TO, window.start + check.offset + replacement.length);
  return window.text.slice(0, check.offset) + replacement + window.text.slice(check.end);
}

/** The text of one message content, parts joined by newlines; non-text parts are skipped. */
export function contentText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  if (content === null) return '';
  return content
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/** The text of each message, in order. */
export function messageTexts(messages: readonly ChatMessage[]): string[] {
  return messages.map((message) => contentText(message.content));
}

/**
 * Rewrites the text of every message through `rewrite` (string contents and text parts alike), returning new
 * message objects and leaving the originals untouched. `changed` tells whether anything differs.
 */
export function rewriteMessageTexts(messages: readonly ChatMessage[], rewrite: (text: string) => string): { messages: ChatMessage[]; changed: boolean } {
  let changed = false;
  const out = messages.map((message): ChatMessage => {
    const content = message.content;
    if (typeof content === 'string') {
      const next = rewrite(content);
      if (next === content) return message;
      changed = true;
      return { ...message, content: next };
    }
    if (content === null) return message;
    let partChanged = false;
    const parts = content.map((part): ContentPart => {
      if (part.type !== 'text' || typeof part.text !== 'string') return part;
      const next = rewrite(part.text);
      if (next === part.text) return part;
      partChanged = true;
      return { ...part, text: next };
    });
    if (!partChanged) return message;
    changed = true;
    return { ...message, content: parts };
  });
  return { messages: out, changed };
}

/** Normalises a configured name to a plugin id: `hide_secrets` and `Hide-Secrets` both become `hide-secrets`. */
export function toGuardrailId(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, '-');
}
