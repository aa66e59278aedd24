import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { Deployment } from '../routing/deployment';
import type { HostResolver } from '../routing/ssrf-guard';
import { applyClientSideCredentials } from './client-credentials';

const deployment = { id: 'd1', modelName: 'gpt', provider: 'openai', upstreamModel: 'gpt-4o', apiBase: 'https://api.openai.example/v1', apiKey: 'sk-configured' } as Deployment;
const resolver: HostResolver = async (host) => ({ 'llm.customer.example': ['198.51.100.7'], 'internal.customer.example': ['10.0.0.8'] })[host] ?? [];
const keyWith = (permissions: Record<string, unknown>) => ({ permissions }) as unknown as VirtualKeyRecord;

describe(applyClientSideCredentials.name, () => {
  it('should leave requests without client-side credentials on the configured deployment', async () => {
    expect(await applyClientSideCredentials({ model: 'gpt' }, deployment, undefined, false, resolver)).toBe(deployment);
  });

  it('should refuse api_base, base_url and api_key unless the proxy or the key allows them', async () => {
    for (const field of ['api_base', 'base_url', 'api_key']) {
      await expect(applyClientSideCredentials({ [field]: 'https://llm.customer.example' }, deployment, keyWith({}), false, resolver)).rejects.toThrow(
        `Rejected Request: ${field} is not allowed in request body`,
      );
    }
  });

  it('should route an allowed key to its public api_base with its own key, and strip the fields from the body', async () => {
    const body: Record<string, unknown> = { model: 'gpt', api_base: 'https://llm.customer.example/v1', api_key: 'sk-customer' };
    const chosen = await applyClientSideCredentials(body, deployment, keyWith({ allow_client_side_credentials: true }), false, resolver);
    expect(chosen).toMatchObject({ apiBase: 'https://llm.customer.example/v1', apiKey: 'sk-customer', clientSupplied: true, upstreamModel: 'gpt-4o' });
    expect(body).toEqual({ model: 'gpt' });
  });

  it('should refuse an allowed api_base that points inside the network', async () => {
    for (const base of ['http://169.254.169.254/latest', 'https://internal.customer.example', 'http://[::ffff:127.0.0.1]:8080']) {
      await expect(applyClientSideCredentials({ api_base: base, api_key: 'sk-customer' }, deployment, undefined, true, resolver)).rejects.toThrow(
        'Rejected Request: the URL is not allowed',
      );
    }
  });

  it('should refuse an allowed api_base or base_url without an api_key of the request, before resolving the host', async () => {
    const resolved: string[] = [];
    const recording: HostResolver = async (host) => {
      resolved.push(host);
      return resolver(host);
    };
    for (const body of [
      { api_base: 'https://llm.customer.example/v1' },
      { base_url: 'https://llm.customer.example/v1' },
      { api_base: 'https://llm.customer.example/v1', api_key: '' },
      { base_url: 'https://llm.customer.example/v1', api_key: null },
    ]) {
      await expect(applyClientSideCredentials({ ...body }, deployment, undefined, true, recording)).rejects.toThrow(/needs an api_key in the request body too/);
    }
    expect(resolved).toEqual([]);
  });

  it("should carry none of the deployment's credentials to a re-pointed call", async () => {
    const bedrock = {
      ...deployment,
      provider: 'bedrock',
      organization: 'org-operator',
      params: {
        model: 'bedrock/anthropic.claude',
        api_key: 'sk-configured',
        aws_access_key_id: 'AKIAOPERATOR',
        aws_secret_access_key: 'operator-secret',
        aws_session_token: 'operator-session',
        aws_role_name: 'operator-role',
        aws_region_name: 'us-east-1',
        azure_ad_token: 'operator-ad-token',
        client_secret: 'operator-client-secret',
        vertex_credentials: '{"private_key":"operator"}',
        extra_headers: { authorization: 'Bearer operator' },
        organization: 'org-operator',
        input_cost_per_token: 0.001,
        max_tokens: 100,
        temperature: 0.2,
      },
    } as unknown as Deployment;
    const chosen = await applyClientSideCredentials({ api_base: 'https://llm.customer.example/v1', api_key: 'sk-customer' }, bedrock, undefined, true, resolver);
    expect(chosen.apiKey).toBe('sk-customer');
    expect(chosen.organization).toBeUndefined();
    expect(chosen.params).toEqual({ model: 'bedrock/anthropic.claude', input_cost_per_token: 0.001, max_tokens: 100, temperature: 0.2 });
    expect(JSON.stringify(chosen)).not.toMatch(/operator|AKIA|sk-configured/);
  });

  it('should keep the configured host, and the configured client, for a request that sets only its own api_key', async () => {
    const chosen = await applyClientSideCredentials({ api_key: 'sk-customer' }, deployment, undefined, true, resolver);
    expect(chosen).toMatchObject({ apiBase: deployment.apiBase, apiKey: 'sk-customer' });
    expect(chosen.clientSupplied).toBeUndefined();
  });
});
