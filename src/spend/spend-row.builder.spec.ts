import { buildSpendRow, mergeSpendLogsMetadata, mergeTags, type SpendCallFacts } from './spend-row.builder';
import { expandSpendLogMetadata } from './spend-log-row';

function facts(overrides: Partial<SpendCallFacts> = {}): SpendCallFacts {
  return {
    requestId: 'chatcmpl-1',
    callType: 'acompletion',
    stream: false,
    apiKeyHash: 'hash-of-key',
    key: { id: 'key-uuid', keyAlias: 'app', userId: 'alice', teamId: 'team-1', metadata: { tags: ['key-tag'], spend_logs_metadata: { source: 'key', owner: 'alice' } } },
    callerUserId: 'alice',
    team: {
      teamId: 'team-1',
      teamAlias: 'Team One',
      organizationId: 'org-1',
      metadata: { tags: ['team-tag', 'key-tag'], spend_logs_metadata: { source: 'team', cost_center: 42 } },
    },
    requestedModel: 'gpt-4o',
    deployment: { id: 'dep-1', modelName: 'gpt-4o', provider: 'openai', upstreamModel: 'gpt-4o-2024-08-06', apiBase: 'https://api.example.com/v1' },
    requestMetadata: { tags: ['app-prod'], spend_logs_metadata: { source: 'request' } },
    headerTags: ['from-header'],
    endUserId: 'customer-7',
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    cost: 0.0001,
    startTime: new Date('2026-11-27T10:00:00.000Z'),
    endTime: new Date('2026-11-27T10:00:01.500Z'),
    completionStartTime: null,
    clientIp: '10.0.0.8',
    providerResponseId: 'chatcmpl-upstream',
    failure: null,
    appliedGuardrails: ['hide_secrets'],
    ...overrides,
  };
}

describe(buildSpendRow.name, () => {
  it('should name every field as LiteLLM logs it and charge the call to its key, team, user and end user', () => {
    const row = buildSpendRow(facts());
    expect(row).toMatchObject({
      request_id: 'chatcmpl-1',
      call_type: 'acompletion',
      api_key: 'hash-of-key',
      key_id: 'key-uuid',
      spend: 0.0001,
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      start_time: '2026-11-27T10:00:00.000Z',
      end_time: '2026-11-27T10:00:01.500Z',
      model: 'gpt-4o-2024-08-06',
      model_id: 'dep-1',
      model_group: 'gpt-4o',
      api_base: 'https://api.example.com/v1',
      user: 'alice',
      end_user: 'customer-7',
      team_id: 'team-1',
      organization_id: 'org-1',
      request_tags: ['app-prod', 'from-header', 'key-tag', 'team-tag'],
      requester_ip_address: '10.0.0.8',
      status: 'success',
      provider_response_id: 'chatcmpl-upstream',
    });
    // Stored: only what no column holds.
    expect(row.metadata).toEqual({
      user_api_key_alias: 'app',
      user_api_key_team_alias: 'Team One',
      spend_logs_metadata: { source: 'request', owner: 'alice', cost_center: 42 },
      applied_guardrails: ['hide_secrets'],
    });
    // Shown: LiteLLM's whole object, from the columns and what was stored.
    expect(expandSpendLogMetadata(row, row.metadata)).toEqual({
      user_api_key: 'hash-of-key',
      user_api_key_alias: 'app',
      user_api_key_team_id: 'team-1',
      user_api_key_team_alias: 'Team One',
      user_api_key_org_id: 'org-1',
      user_api_key_user_id: 'alice',
      user_api_key_end_user_id: row.end_user,
      spend_logs_metadata: { source: 'request', owner: 'alice', cost_center: 42 },
      requester_ip_address: '10.0.0.8',
      status: 'success',
      applied_guardrails: ['hide_secrets'],
      error_information: null,
      stream: false,
    });
  });

  it('should log a failed call with its error and no spend', () => {
    const row = buildSpendRow(
      facts({
        deployment: null,
        usage: null,
        cost: Number.NaN,
        requestedModel: 'nope',
        failure: { errorClass: 'UnknownModelError', errorCode: 'GW_UNKNOWN_MODEL', message: 'Invalid model name passed in model=nope' },
      }),
    );
    expect(row).toMatchObject({ status: 'failure', spend: 0, total_tokens: 0, model: 'nope', model_group: 'nope', model_id: null });
    expect(row.metadata.error_information).toEqual({ error_class: 'UnknownModelError', error_code: 'GW_UNKNOWN_MODEL', error_message: 'Invalid model name passed in model=nope' });
  });

  it('should charge master-key calls to no key and log the caller as the user', () => {
    const row = buildSpendRow(facts({ key: null, team: null, callerUserId: 'default_user_id', requestMetadata: null, headerTags: [], appliedGuardrails: [] }));
    expect(row).toMatchObject({ key_id: null, user: 'default_user_id', team_id: null, request_tags: [] });
    expect(row.metadata).toEqual({});
    expect(expandSpendLogMetadata(row, row.metadata)).toMatchObject({
      user_api_key: 'hash-of-key',
      user_api_key_user_id: 'default_user_id',
      spend_logs_metadata: null,
      applied_guardrails: [],
    });
  });

  it('should take total tokens as at least prompt plus completion', () => {
    expect(buildSpendRow(facts({ usage: { prompt_tokens: 3, completion_tokens: 4 } })).total_tokens).toBe(7);
  });
});

describe(mergeTags.name, () => {
  it('should keep each tag once, request first, and ignore what is not a list of strings', () => {
    expect(mergeTags({ tags: ['a', 'b', 'a'] }, { tags: 'not-a-list' }, { tags: ['b', 'c', 7] }, ['h'])).toEqual(['a', 'b', 'h', 'c']);
    expect(mergeTags(null, undefined, {})).toEqual([]);
    expect(mergeTags({ tags: ['m'] }, { tags: ['k'] }, null, ['h'], ['top', 'm'])).toEqual(['m', 'top', 'h', 'k']);
  });
});

describe(mergeSpendLogsMetadata.name, () => {
  it('should let the request override the key and the key override the team', () => {
    expect(
      mergeSpendLogsMetadata({ spend_logs_metadata: { a: 'key', b: 'key' } }, { spend_logs_metadata: { a: 'team', c: 'team' } }, { spend_logs_metadata: { b: 'request' } }),
    ).toEqual({
      a: 'key',
      b: 'request',
      c: 'team',
    });
    expect(mergeSpendLogsMetadata({}, null, { spend_logs_metadata: 'hello' })).toBeNull();
  });
});
