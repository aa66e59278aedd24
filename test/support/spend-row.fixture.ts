import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { LimitsService, type LimitSubject } from '../../src/limits/limits.service';
import type { SpendLogRow } from '../../src/spend/spend-log-row';
import { SpendLedgerService } from '../../src/spend/spend-ledger.service';
import { spendSubjectsOf } from '../../src/spend/spend-subjects';

/** A successful chat call's ledger row; override what the test is about. */
export function spendRow(overrides: Partial<SpendLogRow> = {}): SpendLogRow {
  const now = new Date().toISOString();
  return {
    request_id: `chatcmpl-${randomUUID()}`,
    call_type: 'acompletion',
    api_key: '',
    key_id: null,
    spend: 0,
    total_tokens: 30,
    prompt_tokens: 10,
    completion_tokens: 20,
    start_time: now,
    end_time: now,
    completion_start_time: null,
    model: 'gpt-4o',
    model_id: 'deployment-1',
    model_group: 'gpt-4o',
    custom_llm_provider: 'openai',
    api_base: null,
    user: null,
    end_user: null,
    team_id: null,
    organization_id: null,
    request_tags: [],
    requester_ip_address: '127.0.0.1',
    cache_hit: false,
    status: 'success',
    provider_response_id: null,
    metadata: {
      user_api_key: null,
      user_api_key_alias: null,
      user_api_key_team_id: null,
      user_api_key_team_alias: null,
      user_api_key_org_id: null,
      user_api_key_user_id: null,
      user_api_key_end_user_id: null,
      spend_logs_metadata: null,
      requester_ip_address: '127.0.0.1',
      status: 'success',
      applied_guardrails: [],
      error_information: null,
      stream: false,
    },
    ...overrides,
  };
}

/**
 * Charges a settled call the way the call pipeline does: its cost goes to the counter store for every account the
 * row names (admitted, then settled), and the row goes to the ledger.
 */
export async function recordSettledCall(app: INestApplicationContext, row: SpendLogRow): Promise<void> {
  const limits = app.get(LimitsService);
  const subjects: LimitSubject[] = spendSubjectsOf(row).map((ns) => ({
    ns,
    type: 'key',
    label: ns,
    budget: { max: null, windowMs: null },
    maxParallel: null,
    rpm: null,
    tpm: null,
  }));
  const admission = await limits.admit({ subjects, estimatedCost: 0 });
  await admission.settle(row.spend, { total_tokens: row.total_tokens });
  app.get(SpendLedgerService).record(row);
}
