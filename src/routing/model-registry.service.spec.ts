import { Logger } from '@nestjs/common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config.loader';
import { ModelRegistry } from './model-registry.service';
import { UnknownModelError } from './routing.errors';

function registry(yaml: string, env: Record<string, string> = {}): ModelRegistry {
  const dir = mkdtempSync(join(tmpdir(), 'registry-spec-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return new ModelRegistry(loadConfig({ configPath: join(dir, 'config.yaml'), env }));
}

describe('Bedrock deployments and the AWS environment', () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIAENVEXAMPLE', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_REGION: 'us-east-1' };
  const sut = registry(
    `
model_list:
  - { model_name: plain, litellm_params: { model: bedrock/anthropic.claude-3-haiku } }
  - { model_name: own, litellm_params: { model: bedrock/anthropic.claude-3-haiku, aws_access_key_id: AKIAOWN, aws_secret_access_key: own-secret, aws_region_name: eu-west-3 } }
  - { model_name: tagged-aws, litellm_params: { model: bedrock/anthropic.claude-3-haiku, region_name: eu-central-1 } }
  - { model_name: tagged-coarse, litellm_params: { model: bedrock/anthropic.claude-3-haiku, region_name: eu } }
  - { model_name: other, litellm_params: { model: openai/gpt-4o, api_key: k } }
`,
    env,
  );
  const params = (group: string) => sut.resolve(group).deployments[0].params;

  it("should give a deployment without credentials the environment's, so the adapter never reads the environment", () => {
    expect(params('plain')).toMatchObject({ aws_access_key_id: 'AKIAENVEXAMPLE', aws_secret_access_key: 'env-secret', aws_region_name: 'us-east-1' });
    expect(params('own')).toMatchObject({ aws_access_key_id: 'AKIAOWN', aws_secret_access_key: 'own-secret', aws_region_name: 'eu-west-3' });
    expect(params('other')).not.toHaveProperty('aws_access_key_id');
  });

  it('should keep a region_name that names an AWS region ahead of the environment, and a coarse tag behind it', () => {
    expect(params('tagged-aws')).not.toHaveProperty('aws_region_name');
    expect(params('tagged-coarse')).toMatchObject({ aws_region_name: 'us-east-1' });
  });
});

describe(ModelRegistry.name, () => {
  const sut = registry(`
model_list:
  - { model_name: g, litellm_params: { model: openai/gpt-4o, api_key: k }, model_info: { id: g-1 } }
  - { model_name: g, litellm_params: { model: azure/gpt-4o-eu, api_base: "https://eu.example.com", api_key: k }, model_info: { id: g-2 } }
  - { model_name: "openai/*", litellm_params: { model: "openai/*", api_key: k } }
router_settings:
  model_group_alias: { alias: g }
`);

  it('should resolve groups, aliases, ids, litellm model names and wildcards', () => {
    expect(sut.resolve('g').deployments.map((d) => d.id)).toEqual(['g-1', 'g-2']);
    expect(sut.resolve('alias').group).toBe('g');
    expect(sut.resolve('g-2').deployments.map((d) => d.id)).toEqual(['g-2']);
    expect(sut.resolve('azure/gpt-4o-eu').deployments.map((d) => d.id)).toEqual(['g-2']);
    const wildcard = sut.resolve('openai/o3-mini').deployments[0];
    expect(wildcard.upstreamModel).toBe('o3-mini');
    // Same object for the same name, so per-deployment caches stay warm.
    expect(sut.resolve('openai/o3-mini').deployments[0]).toBe(wildcard);
    expect(() => sut.resolve('nope')).toThrow(UnknownModelError);
    expect(sut.modelNames()).toEqual(['g', 'openai/*', 'alias']);
  });

  it('should swap stored models in and out without touching config models', () => {
    const local = registry('model_list:\n  - { model_name: c, litellm_params: { model: mock/c } }\n');
    local.setStoredModels([{ id: 'db-1', entry: { model_name: 'stored', litellm_params: { model: 'mock/s' } } }]);
    expect(local.resolve('stored').deployments[0].id).toBe('db-1');
    expect(local.registered().map((m) => m.source)).toEqual(['config', 'db']);
    local.setStoredModels([]);
    expect(() => local.resolve('stored')).toThrow(UnknownModelError);
    expect(local.knows('c')).toBe(true);
  });
});

describe('LiteLLM provider prefixes', () => {
  // The model_list of LiteLLM's own proxy e2e config (proxy_server_config.yaml), plus the providers it names elsewhere.
  const litellmTestConfig = `
model_list:
  - { model_name: gpt-3.5-turbo, litellm_params: { model: azure/chatgpt-v-2, api_base: "https://example.openai.azure.com/", api_key: k } }
  - { model_name: fake-openai-endpoint, litellm_params: { model: openai/fake, api_key: fake-key, api_base: "https://exampleopenaiendpoint-production.up.railway.app/" } }
  - { model_name: "*", litellm_params: { model: "openai/*", api_key: k } }
  - { model_name: "anthropic/*", litellm_params: { model: "anthropic/*", api_key: k } }
  - { model_name: "groq/*", litellm_params: { model: "groq/*", api_key: k } }
  - { model_name: mistral-embed, litellm_params: { model: mistral/mistral-embed } }
  - { model_name: llamaguard, litellm_params: { model: sagemaker/jumpstart-dft-meta-textgeneration-llama-guard-7b } }
  - { model_name: tgi-chat, litellm_params: { model: sagemaker_chat/my-tgi-endpoint, aws_region_name: eu-west-1 } }
  - { model_name: gemini-vertex, litellm_params: { model: vertex_ai/gemini-1.5-pro } }
  - { model_name: vllm, litellm_params: { model: hosted_vllm/meta-llama/Llama-3-8B, api_base: "http://vllm:8000/v1" } }
  - { model_name: or, litellm_params: { model: openrouter/openai/gpt-4o, extra_headers: { X-Title: Mine } } }
`;
  const env = {
    MISTRAL_API_KEY: 'mistral-env-key',
    GROQ_API_BASE: 'https://groq.internal/openai/v1',
    AWS_ACCESS_KEY_ID: 'AKIAENV',
    AWS_SECRET_ACCESS_KEY: 'env-secret',
    AWS_REGION_NAME: 'us-west-2',
    VERTEXAI_PROJECT: 'proj-1',
    VERTEXAI_LOCATION: 'europe-west4',
    GOOGLE_APPLICATION_CREDENTIALS: '/secrets/sa.json',
    OR_SITE_URL: 'https://app.example',
  };

  it('should boot without an "unsupported" warning for groq, mistral or sagemaker', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const sut = registry(litellmTestConfig, env);
      expect(warn).not.toHaveBeenCalled();
      expect(sut.registered().filter((model) => !model.deployment)).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it('should record LiteLLM’s provider name and fill each provider’s defaults from the environment', () => {
    const sut = registry(litellmTestConfig, env);
    const one = (name: string) => sut.resolve(name).deployments[0];
    expect(one('mistral-embed')).toMatchObject({ provider: 'openai_compatible', customLlmProvider: 'mistral', apiKey: 'mistral-env-key', apiBase: 'https://api.mistral.ai/v1' });
    expect(one('groq/llama3-8b-8192')).toMatchObject({
      provider: 'openai_compatible',
      customLlmProvider: 'groq',
      upstreamModel: 'llama3-8b-8192',
      apiKey: 'k',
      apiBase: 'https://groq.internal/openai/v1',
    });
    expect(one('llamaguard')).toMatchObject({ provider: 'sagemaker', customLlmProvider: 'sagemaker', upstreamModel: 'jumpstart-dft-meta-textgeneration-llama-guard-7b' });
    expect(one('llamaguard').params).toMatchObject({ aws_access_key_id: 'AKIAENV', aws_region_name: 'us-west-2' });
    expect(one('tgi-chat')).toMatchObject({ provider: 'sagemaker', customLlmProvider: 'sagemaker_chat' });
    expect(one('tgi-chat').params.aws_region_name).toBe('eu-west-1');
    expect(one('gemini-vertex')).toMatchObject({ provider: 'vertex_ai', customLlmProvider: 'vertex_ai', upstreamModel: 'gemini-1.5-pro' });
    expect(one('gemini-vertex').params).toMatchObject({ vertex_project: 'proj-1', vertex_location: 'europe-west4', vertex_credentials: '/secrets/sa.json' });
    expect(one('vllm')).toMatchObject({ provider: 'openai_compatible', customLlmProvider: 'hosted_vllm', apiBase: 'http://vllm:8000/v1' });
    expect(one('or').params.extra_headers).toEqual({ 'HTTP-Referer': 'https://app.example', 'X-Title': 'Mine' });
    expect(one('gpt-3.5-turbo')).toMatchObject({ provider: 'azure', customLlmProvider: 'azure' });
    expect(one('fake-openai-endpoint')).toMatchObject({ provider: 'openai', customLlmProvider: 'openai' });
  });

  it('should still warn once for a provider no adapter serves', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      registry('model_list:\n  - { model_name: x, litellm_params: { model: "not_a_provider/model" } }\n');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("provider 'not_a_provider' is not supported"));
    } finally {
      warn.mockRestore();
    }
  });
});
