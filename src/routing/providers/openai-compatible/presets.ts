/**
 * Providers that speak OpenAI's wire format under their own LiteLLM prefix (`groq/…`, `mistral/…`), as data: where
 * they live, which environment variables hold their key and base URL, and the quirks that set them apart from OpenAI.
 * One adapter (OpenAiCompatibleAdapter) serves them all; adding a provider is adding a row. Defaults and variable
 * names are LiteLLM's (`litellm/litellm_core_utils/get_llm_provider_logic.py` and each provider's config), so a
 * LiteLLM config and its environment work unchanged. The variables are read by src/config (PROVIDER_ENV_NAMES).
 */
export interface ProviderPreset {
  /** The error prefix: `litellm.RateLimitError: GroqException - …`. */
  readonly label: string;
  /** Base URL (where `/chat/completions` is appended) when neither the deployment nor the environment names one. */
  readonly apiBase?: string;
  /** Variables holding the key, first set wins (a deployment's own `api_key` wins over all). */
  readonly apiKeyEnv?: readonly string[];
  /** Variables holding a base URL that replaces `apiBase`. */
  readonly apiBaseEnv?: readonly string[];
  /** Headers every call carries, each from a variable or a fixed default (the deployment's `extra_headers` win). */
  readonly headers?: Readonly<Record<string, { readonly env?: string; readonly default?: string }>>;
  readonly quirks?: PresetQuirks;
}

/** How a provider departs from OpenAI's request format; applied to every outgoing body. */
export interface PresetQuirks {
  /** Parameters sent under another name (`max_completion_tokens` → `max_tokens`, `seed` → `random_seed`). */
  readonly renamed?: Readonly<Record<string, string>>;
  /** Parameters the provider refuses: left out rather than failing the call. */
  readonly unsupported?: readonly string[];
  /** The provider refuses `stream_options`: streams go without it (usage comes in its last chunk, or is counted). */
  readonly noStreamOptions?: true;
  /** `tool_choice` strings spelled otherwise (`required` → `any`); `*` is what a named-tool object becomes. */
  readonly toolChoice?: Readonly<Record<string, string>>;
  /** Message content given as a list of text parts is sent as one string (images keep the list). */
  readonly flattenTextContent?: true;
  /** `name` is accepted on tool messages only. */
  readonly nameOnlyOnToolMessages?: true;
  /** Null fields of assistant messages (`function_call: null`) are left out. */
  readonly dropNullMessageFields?: true;
  /** Prefix of bare model names (`llama-v3p1-8b-instruct` → `accounts/fireworks/models/llama-v3p1-8b-instruct`). */
  readonly modelPrefix?: string;
  /** A path the base URL must end with, appended when it does not (Mistral's `/v1`). */
  readonly baseSuffix?: string;
}

const MAX_TOKENS: PresetQuirks['renamed'] = { max_completion_tokens: 'max_tokens' };

const MISTRAL_QUIRKS: PresetQuirks = {
  renamed: { max_completion_tokens: 'max_tokens', seed: 'random_seed' },
  unsupported: ['logit_bias', 'logprobs', 'top_logprobs', 'user', 'parallel_tool_calls', 'service_tier', 'store', 'metadata', 'modalities', 'audio', 'reasoning_effort'],
  noStreamOptions: true,
  toolChoice: { required: 'any', '*': 'any' },
  flattenTextContent: true,
  nameOnlyOnToolMessages: true,
  baseSuffix: '/v1',
};

/** By LiteLLM provider prefix. */
export const PROVIDER_PRESETS: Readonly<Record<string, ProviderPreset>> = {
  groq: {
    label: 'Groq',
    apiBase: 'https://api.groq.com/openai/v1',
    apiKeyEnv: ['GROQ_API_KEY'],
    apiBaseEnv: ['GROQ_API_BASE'],
    quirks: { unsupported: ['logprobs', 'top_logprobs', 'logit_bias'], dropNullMessageFields: true },
  },
  mistral: {
    label: 'Mistral',
    apiBase: 'https://api.mistral.ai/v1',
    apiKeyEnv: ['MISTRAL_AZURE_API_KEY', 'MISTRAL_API_KEY'],
    apiBaseEnv: ['MISTRAL_AZURE_API_BASE'],
    quirks: MISTRAL_QUIRKS,
  },
  codestral: {
    label: 'Codestral',
    apiBase: 'https://codestral.mistral.ai/v1',
    apiKeyEnv: ['CODESTRAL_API_KEY'],
    apiBaseEnv: ['CODESTRAL_API_BASE'],
    quirks: MISTRAL_QUIRKS,
  },
  deepseek: {
    label: 'Deepseek',
    apiBase: 'https://api.deepseek.com/beta',
    apiKeyEnv: ['DEEPSEEK_API_KEY'],
    apiBaseEnv: ['DEEPSEEK_API_BASE'],
    quirks: { renamed: MAX_TOKENS },
  },
  together_ai: {
    label: 'Together_ai',
    apiBase: 'https://api.together.xyz/v1',
    apiKeyEnv: ['TOGETHER_API_KEY', 'TOGETHER_AI_API_KEY', 'TOGETHERAI_API_KEY', 'TOGETHER_AI_TOKEN'],
    apiBaseEnv: ['TOGETHER_AI_API_BASE'],
  },
  fireworks_ai: {
    label: 'Fireworks_ai',
    apiBase: 'https://api.fireworks.ai/inference/v1',
    apiKeyEnv: ['FIREWORKS_API_KEY', 'FIREWORKS_AI_API_KEY', 'FIREWORKSAI_API_KEY', 'FIREWORKS_AI_TOKEN'],
    apiBaseEnv: ['FIREWORKS_API_BASE'],
    quirks: { renamed: MAX_TOKENS, toolChoice: { required: 'any' }, modelPrefix: 'accounts/fireworks/models/' },
  },
  openrouter: {
    label: 'Openrouter',
    apiBase: 'https://openrouter.ai/api/v1',
    apiKeyEnv: ['OPENROUTER_API_KEY', 'OR_API_KEY'],
    apiBaseEnv: ['OPENROUTER_API_BASE'],
    // OpenRouter attributes traffic to an app by these two headers.
    headers: { 'HTTP-Referer': { env: 'OR_SITE_URL' }, 'X-Title': { env: 'OR_APP_NAME', default: 'Tollgate' } },
  },
  perplexity: {
    label: 'Perplexity',
    apiBase: 'https://api.perplexity.ai',
    apiKeyEnv: ['PERPLEXITYAI_API_KEY', 'PERPLEXITY_API_KEY'],
    apiBaseEnv: ['PERPLEXITY_API_BASE'],
    // Sonar models take sampling parameters only; usage comes with every chunk.
    quirks: {
      unsupported: ['tools', 'tool_choice', 'parallel_tool_calls', 'functions', 'function_call', 'n', 'seed', 'logprobs', 'top_logprobs', 'logit_bias', 'stop', 'user'],
      noStreamOptions: true,
    },
  },
  xai: { label: 'XAI', apiBase: 'https://api.x.ai/v1', apiKeyEnv: ['XAI_API_KEY'], apiBaseEnv: ['XAI_API_BASE'] },
  cerebras: {
    label: 'Cerebras',
    apiBase: 'https://api.cerebras.ai/v1',
    apiKeyEnv: ['CEREBRAS_API_KEY'],
    apiBaseEnv: ['CEREBRAS_API_BASE'],
    quirks: { unsupported: ['frequency_penalty', 'presence_penalty', 'logit_bias'] },
  },
  deepinfra: { label: 'Deepinfra', apiBase: 'https://api.deepinfra.com/v1/openai', apiKeyEnv: ['DEEPINFRA_API_KEY'], apiBaseEnv: ['DEEPINFRA_API_BASE'] },
  nvidia_nim: { label: 'Nvidia_nim', apiBase: 'https://integrate.api.nvidia.com/v1', apiKeyEnv: ['NVIDIA_NIM_API_KEY'], apiBaseEnv: ['NVIDIA_NIM_API_BASE'] },
  sambanova: { label: 'Sambanova', apiBase: 'https://api.sambanova.ai/v1', apiKeyEnv: ['SAMBANOVA_API_KEY'], apiBaseEnv: ['SAMBANOVA_API_BASE'], quirks: { renamed: MAX_TOKENS } },
  github: { label: 'Github', apiBase: 'https://models.inference.ai.azure.com', apiKeyEnv: ['GITHUB_API_KEY'], apiBaseEnv: ['GITHUB_API_BASE'] },
  meta_llama: { label: 'Meta_llama', apiBase: 'https://api.llama.com/compat/v1', apiKeyEnv: ['LLAMA_API_KEY'], apiBaseEnv: ['LLAMA_API_BASE'] },
  volcengine: { label: 'Volcengine', apiBase: 'https://ark.cn-beijing.volces.com/api/v3', apiKeyEnv: ['VOLCENGINE_API_KEY'], apiBaseEnv: ['VOLCENGINE_API_BASE'] },
  friendliai: { label: 'Friendliai', apiBase: 'https://api.friendli.ai/serverless/v1', apiKeyEnv: ['FRIENDLIAI_API_KEY', 'FRIENDLI_TOKEN'], apiBaseEnv: ['FRIENDLI_API_BASE'] },
  galadriel: { label: 'Galadriel', apiBase: 'https://api.galadriel.com/v1', apiKeyEnv: ['GALADRIEL_API_KEY'], apiBaseEnv: ['GALADRIEL_API_BASE'] },
  nscale: { label: 'Nscale', apiBase: 'https://inference.api.nscale.com/v1', apiKeyEnv: ['NSCALE_API_KEY'], apiBaseEnv: ['NSCALE_API_BASE'] },
  dashscope: { label: 'Dashscope', apiBase: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1', apiKeyEnv: ['DASHSCOPE_API_KEY'], apiBaseEnv: ['DASHSCOPE_API_BASE'] },
  moonshot: { label: 'Moonshot', apiBase: 'https://api.moonshot.ai/v1', apiKeyEnv: ['MOONSHOT_API_KEY'], apiBaseEnv: ['MOONSHOT_API_BASE'], quirks: { renamed: MAX_TOKENS } },
  novita: { label: 'Novita', apiBase: 'https://api.novita.ai/v3/openai', apiKeyEnv: ['NOVITA_API_KEY'], apiBaseEnv: ['NOVITA_API_BASE'] },
  nebius: { label: 'Nebius', apiBase: 'https://api.studio.nebius.ai/v1', apiKeyEnv: ['NEBIUS_API_KEY'], apiBaseEnv: ['NEBIUS_API_BASE'] },
  hyperbolic: { label: 'Hyperbolic', apiBase: 'https://api.hyperbolic.xyz/v1', apiKeyEnv: ['HYPERBOLIC_API_KEY'], apiBaseEnv: ['HYPERBOLIC_API_BASE'] },
  lambda_ai: { label: 'Lambda_ai', apiBase: 'https://api.lambda.ai/v1', apiKeyEnv: ['LAMBDA_API_KEY', 'LAMBDA_AI_API_KEY'], apiBaseEnv: ['LAMBDA_API_BASE'] },
  featherless_ai: {
    label: 'Featherless_ai',
    apiBase: 'https://api.featherless.ai/v1',
    apiKeyEnv: ['FEATHERLESS_AI_API_KEY', 'FEATHERLESS_API_KEY'],
    apiBaseEnv: ['FEATHERLESS_API_BASE'],
  },
  empower: { label: 'Empower', apiBase: 'https://app.empower.dev/api/v1', apiKeyEnv: ['EMPOWER_API_KEY'], apiBaseEnv: ['EMPOWER_API_BASE'] },
  ai21_chat: { label: 'AI21', apiBase: 'https://api.ai21.com/studio/v1', apiKeyEnv: ['AI21_API_KEY'], apiBaseEnv: ['AI21_API_BASE'] },
  // Servers run by the operator: the base URL is theirs to give, a key only if they set one.
  hosted_vllm: { label: 'Hosted_vllm', apiKeyEnv: ['HOSTED_VLLM_API_KEY'], apiBaseEnv: ['HOSTED_VLLM_API_BASE'] },
  lm_studio: { label: 'Lm_studio', apiKeyEnv: ['LM_STUDIO_API_KEY'], apiBaseEnv: ['LM_STUDIO_API_BASE'] },
  llamafile: { label: 'Llamafile', apiBase: 'http://127.0.0.1:8080/v1', apiKeyEnv: ['LLAMAFILE_API_KEY'], apiBaseEnv: ['LLAMAFILE_API_BASE'] },
  litellm_proxy: { label: 'Litellm_proxy', apiKeyEnv: ['LITELLM_PROXY_API_KEY'], apiBaseEnv: ['LITELLM_PROXY_API_BASE'] },
};

/** The preset of a LiteLLM prefix, if it has one. */
export function presetOf(provider: string | undefined): ProviderPreset | undefined {
  return provider !== undefined && Object.hasOwn(PROVIDER_PRESETS, provider) ? PROVIDER_PRESETS[provider] : undefined;
}

/**
 * What a deployment of `preset` gets where its `litellm_params` say nothing: the key and base URL from the
 * environment (or the preset's default base), and the preset's headers under `extra_headers`.
 */
export function presetDefaults(preset: ProviderPreset, env: Readonly<Record<string, string>>): { api_key?: string; api_base?: string; extra_headers?: Record<string, string> } {
  const first = (names: readonly string[] | undefined): string | undefined => names?.map((name) => env[name]).find((value) => value !== undefined && value !== '');
  const headers: Record<string, string> = {};
  for (const [name, source] of Object.entries(preset.headers ?? {})) {
    const value = (source.env ? env[source.env] : undefined) ?? source.default;
    if (value) headers[name] = value;
  }
  return {
    api_key: first(preset.apiKeyEnv),
    api_base: first(preset.apiBaseEnv) ?? preset.apiBase,
    extra_headers: Object.keys(headers).length ? headers : undefined,
  };
}
