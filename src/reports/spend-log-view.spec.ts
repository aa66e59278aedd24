import { SPEND_LOG_FIELDS, toSpendLogView, type SpendLogRecord } from './spend-log-view';

const RECORD: SpendLogRecord = {
  request_id: 'chatcmpl-1',
  call_type: 'acompletion',
  api_key: 'f'.repeat(64),
  spend: '0.0125',
  total_tokens: '30',
  prompt_tokens: 10,
  completion_tokens: 20,
  start_time: new Date('2024-05-01T10:00:00.000Z'),
  end_time: '2024-05-01 10:00:01.5+00',
  completion_start_time: null,
  model: 'gpt-4o',
  model_id: 'dep-1',
  model_group: 'gpt-4o',
  custom_llm_provider: 'openai',
  api_base: 'https://api.openai.com/v1',
  user: 'alice',
  end_user: 'cust-1',
  team_id: 'team-1',
  organization_id: null,
  request_tags: null,
  requester_ip_address: '10.0.0.1',
  cache_hit: false,
  status: 'failure',
  metadata: null,
};

describe('spend log row mapping', () => {
  it("should map a driver row to LiteLLM's field names and types", () => {
    expect(toSpendLogView(RECORD)).toEqual({
      request_id: 'chatcmpl-1',
      call_type: 'acompletion',
      api_key: 'f'.repeat(64),
      spend: 0.0125,
      total_tokens: 30,
      prompt_tokens: 10,
      completion_tokens: 20,
      startTime: '2024-05-01T10:00:00.000Z',
      endTime: '2024-05-01T10:00:01.500Z',
      completionStartTime: null,
      model: 'gpt-4o',
      model_id: 'dep-1',
      model_group: 'gpt-4o',
      custom_llm_provider: 'openai',
      api_base: 'https://api.openai.com/v1',
      user: 'alice',
      end_user: 'cust-1',
      team_id: 'team-1',
      organization_id: null,
      request_tags: [],
      requester_ip_address: '10.0.0.1',
      cache_hit: 'False',
      status: 'failure',
      // Nothing stored: LiteLLM's metadata comes from the columns alone.
      metadata: {
        user_api_key: RECORD.api_key,
        user_api_key_alias: null,
        user_api_key_team_id: 'team-1',
        user_api_key_team_alias: null,
        user_api_key_org_id: null,
        user_api_key_user_id: 'alice',
        user_api_key_end_user_id: 'cust-1',
        spend_logs_metadata: null,
        requester_ip_address: '10.0.0.1',
        status: 'failure',
        applied_guardrails: [],
        error_information: null,
        stream: false,
      },
    });
  });

  it('should list exactly the view fields as export columns', () => {
    expect([...SPEND_LOG_FIELDS].sort()).toEqual(Object.keys(toSpendLogView(RECORD)).sort());
  });
});
