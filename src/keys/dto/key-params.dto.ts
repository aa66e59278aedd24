import { ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { OptionalBoolean, OptionalCount, OptionalNumber, OptionalObject, OptionalString, OptionalStringList } from '../../common/dto/dto-decorators';
import { MAX_INTEGER_COUNT } from '../../common/column-bounds';

/** Fields shared by /key/generate, /key/update and /key/regenerate (LiteLLM's GenerateRequestBase + KeyRequestBase). */
export class KeyParamsDto {
  @OptionalString('Unique human-readable name of the key', 'billing-service')
  key_alias?: string | null;

  @OptionalString('Validity from now: 30s, 30m, 30h, 30d; null = never expires (on update, "-1" also means never)', '30d')
  duration?: string | null;

  @OptionalStringList('Model names the key may call; empty = all models', ['gpt-4o'])
  models?: string[] | null;

  @OptionalObject('Per-key model aliases: requested name → model group', { cheap: 'gpt-4o-mini' })
  aliases?: Record<string, unknown> | null;

  @OptionalObject('Key-specific config (LiteLLM: deprecated)')
  config?: Record<string, unknown> | null;

  @OptionalNumber('Spend already on the key, USD')
  spend?: number | null;

  @OptionalNumber('Hard budget in USD: calls are refused once spend reaches it', 10)
  max_budget?: number | null;

  @OptionalNumber('Alerting threshold in USD')
  soft_budget?: number | null;

  @OptionalString('Spend resets to 0 after this window: 30s, 30m, 30h, 30d', '30d')
  budget_duration?: string | null;

  @OptionalString('Id of a shared budget (LiteLLM_BudgetTable)')
  budget_id?: string | null;

  @OptionalString('Owner of the key')
  user_id?: string | null;

  @OptionalString('Team of the key')
  team_id?: string | null;

  @OptionalCount('Concurrent calls allowed', undefined, MAX_INTEGER_COUNT)
  max_parallel_requests?: number | null;

  @OptionalCount('Tokens per minute')
  tpm_limit?: number | null;

  @OptionalCount('Requests per minute')
  rpm_limit?: number | null;

  @OptionalObject('Per-model budgets, e.g. {"gpt-4": {"budget_limit": 0.5, "time_period": "30d"}}')
  model_max_budget?: Record<string, unknown> | null;

  @OptionalObject('Per-model requests per minute, e.g. {"gpt-4": 10}')
  model_rpm_limit?: Record<string, unknown> | null;

  @OptionalObject('Per-model tokens per minute, e.g. {"gpt-4": 10000}')
  model_tpm_limit?: Record<string, unknown> | null;

  @OptionalObject('Free-form metadata', { team: 'core-infra' })
  metadata?: Record<string, unknown> | null;

  @OptionalObject('Key permissions, e.g. {"hide_secrets": false}')
  permissions?: Record<string, unknown> | null;

  @OptionalStringList('Guardrails active for the key')
  guardrails?: string[] | null;

  @OptionalStringList('Spend tags')
  tags?: string[] | null;

  @OptionalStringList('Body params every call with the key must carry, e.g. ["user", "metadata.generation_name"]')
  enforced_params?: string[] | null;

  @OptionalStringList('Cache-control values the key may send')
  allowed_cache_controls?: string[] | null;

  @OptionalStringList('Routes the key may call (paths, wildcards or LiteLLM route groups)')
  allowed_routes?: string[] | null;

  @OptionalBoolean('A blocked key is refused on every route')
  blocked?: boolean | null;

  @OptionalBoolean('Mail the key to its user (needs alerting: ["email"] and SMTP_*)')
  send_invite_email?: boolean | null;

  @OptionalBoolean('Automatic rotation (not supported yet: only false/null accepted)')
  auto_rotate?: boolean | null;

  @OptionalString('Automatic rotation interval (not supported yet)')
  rotation_interval?: string | null;

  @OptionalString('Organization of the key (not supported yet)')
  organization_id?: string | null;
}

export class GenerateKeyDto extends KeyParamsDto {
  @OptionalString('Your own key value (must start with sk-); generated when unset')
  key?: string | null;
}

export class UpdateKeyDto extends KeyParamsDto {
  @OptionalString('The key to update, plaintext or its hash (or identify it by key_alias)')
  key?: string | null;

  @OptionalNumber('Temporary budget on top of max_budget, until temp_budget_expiry')
  temp_budget_increase?: number | null;

  @OptionalString('When the temporary budget ends (ISO 8601)', '2030-01-01T00:00:00Z')
  temp_budget_expiry?: string | null;
}

export class RegenerateKeyDto extends KeyParamsDto {
  @OptionalString('The key to rotate, plaintext or hash (or in the path)')
  key?: string | null;

  @OptionalString('The new key value (must start with sk-); generated when unset')
  new_key?: string | null;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string', nullable: true }, { type: 'number' }],
    description: 'How long the old key keeps working, e.g. "24h" or seconds; unset = it stops at once',
    example: '24h',
  })
  @Allow()
  grace_period?: string | number | null;

  @OptionalString('Master key rotation (not supported: the master key lives in the config)')
  new_master_key?: string | null;
}
