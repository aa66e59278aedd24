import { ApiProperty, ApiPropertyOptional, type SchemaObject } from '@nestjs/swagger';
import type { CustomerSpendReportDay, KeySpendReportEntry, ModelSpendDetail, SpendReportLine, TeamSpendOverview, TeamSpendReportDay } from '../spend-aggregation';
import type { SpendLogView } from '../spend-log-view';
import type { GlobalEndUserSpend, GlobalKeySpend, GlobalModelSpend, GlobalTagSpend, KeySpendRow, TagSpend, UserSpendRow } from '../spend-reports.service';

/** Swagger shapes of the spend reports; the services return plain objects of the same shape (each DTO implements its type). */

export class SpendLogDto implements SpendLogView {
  @ApiProperty() request_id!: string;
  @ApiProperty({ example: 'acompletion' }) call_type!: string;
  @ApiProperty({ description: 'sha256 of the key that made the call' }) api_key!: string;
  @ApiProperty({ description: 'USD' }) spend!: number;
  @ApiProperty() total_tokens!: number;
  @ApiProperty() prompt_tokens!: number;
  @ApiProperty() completion_tokens!: number;
  @ApiProperty({ format: 'date-time' }) startTime!: string;
  @ApiProperty({ format: 'date-time' }) endTime!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completionStartTime!: string | null;
  @ApiProperty() model!: string;
  @ApiProperty({ nullable: true, type: String }) model_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) model_group!: string | null;
  @ApiProperty({ nullable: true, type: String }) custom_llm_provider!: string | null;
  @ApiProperty({ nullable: true, type: String }) api_base!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Internal user owning the key' }) user!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The request `user` (customer)' }) end_user!: string | null;
  @ApiProperty({ nullable: true, type: String }) team_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) organization_id!: string | null;
  @ApiProperty({ type: [String] }) request_tags!: string[];
  @ApiProperty({ nullable: true, type: String }) requester_ip_address!: string | null;
  @ApiProperty({ enum: ['True', 'False'] }) cache_hit!: 'True' | 'False';
  @ApiProperty({ enum: ['success', 'failure'] }) status!: 'success' | 'failure';
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'user_api_key, user_api_key_alias, spend_logs_metadata, …' })
  metadata!: Record<string, unknown>;
}

export class TagSpendDto implements TagSpend {
  @ApiProperty() individual_request_tag!: string;
  @ApiProperty() log_count!: number;
  @ApiProperty() total_spend!: number;
}

export class ModelSpendDetailDto implements ModelSpendDetail {
  @ApiProperty() model!: string;
  @ApiProperty() total_cost!: number;
  @ApiProperty() total_input_tokens!: number;
  @ApiProperty() total_output_tokens!: number;
}

export class KeySpendReportDto implements KeySpendReportEntry {
  @ApiProperty() api_key!: string;
  @ApiProperty() total_cost!: number;
  @ApiProperty() total_input_tokens!: number;
  @ApiProperty() total_output_tokens!: number;
  @ApiProperty({ type: [ModelSpendDetailDto] }) model_details!: ModelSpendDetailDto[];
}

export class GlobalKeySpendDto implements GlobalKeySpend {
  @ApiProperty() api_key!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) key_alias!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) key_name!: string | null;
  @ApiProperty() total_spend!: number;
}

export class GlobalModelSpendDto implements GlobalModelSpend {
  @ApiProperty() model!: string;
  @ApiProperty() total_spend!: number;
}

export class GlobalEndUserSpendDto implements GlobalEndUserSpend {
  @ApiProperty({ nullable: true, type: String }) end_user!: string | null;
  @ApiProperty() total_count!: number;
  @ApiProperty() total_spend!: number;
}

/**
 * One day of `/spend/logs?start_date&end_date` (DailySpendEntry): total spend, spend per user and per model, and one
 * more property per key hash that spent that day (`<api_key_hash>: spend`). A plain schema, not a class: Swagger
 * decorators cannot give a class `additionalProperties`.
 */
export const DAILY_SPEND_ENTRY_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    startTime: { type: 'string', format: 'date', example: '2026-01-31', description: 'The day (UTC)' },
    spend: { type: 'number', description: 'USD' },
    users: { type: 'object', additionalProperties: { type: 'number' }, description: 'user → spend ("" without one)' },
    models: { type: 'object', additionalProperties: { type: 'number' }, description: 'model → spend' },
  },
  required: ['startTime', 'spend', 'users', 'models'],
  additionalProperties: { type: 'number', description: 'api_key hash → spend' },
};

/** A virtual key with its spend, as `/spend/keys` lists it (its hash, never the key). */
export class KeySpendRowDto implements KeySpendRow {
  @ApiProperty({ description: 'sha256 of the key' }) token!: string;
  @ApiProperty({ example: 'sk-...AbCd' }) key_name!: string;
  @ApiProperty({ type: String, nullable: true }) key_alias!: string | null;
  @ApiProperty() spend!: number;
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty({ type: String, nullable: true }) user_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) team_id!: string | null;
  @ApiProperty({ type: [String] }) models!: string[];
  @ApiProperty({ type: String, nullable: true }) budget_duration!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) budget_reset_at!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expires!: string | null;
  @ApiProperty() blocked!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

/** An internal user with their spend, as `/spend/users` lists them. */
export class UserSpendRowDto implements UserSpendRow {
  @ApiProperty() user_id!: string;
  @ApiProperty({ type: String, nullable: true }) user_email!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_alias!: string | null;
  @ApiProperty({ example: 'internal_user' }) user_role!: string;
  @ApiProperty({ type: [String] }) teams!: string[];
  @ApiProperty({ type: String, nullable: true }) organization_id!: string | null;
  @ApiProperty() spend!: number;
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty({ type: String, nullable: true }) budget_duration!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) budget_reset_at!: string | null;
  @ApiProperty({ type: [String] }) models!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

/** Spend of one (model, key) pair within a group of a day. */
export class SpendReportLineDto implements SpendReportLine {
  @ApiProperty() model!: string;
  @ApiProperty({ description: 'sha256 of the key' }) api_key!: string;
  @ApiProperty() spend!: number;
  @ApiProperty() total_tokens!: number;
}

export class TeamSpendGroupDto {
  @ApiProperty({ description: 'Team alias ("Unassigned Team" without one)' }) team_name!: string;
  @ApiProperty() total_spend!: number;
  @ApiProperty({ type: [SpendReportLineDto] }) metadata!: SpendReportLineDto[];
}

export class TeamSpendReportDayDto implements TeamSpendReportDay {
  @ApiProperty({ format: 'date-time', description: 'Midnight UTC of the day' }) group_by_day!: string;
  @ApiProperty({ type: [TeamSpendGroupDto] }) teams!: TeamSpendGroupDto[];
}

export class CustomerSpendGroupDto {
  @ApiProperty({ type: String, nullable: true, description: 'End-user id (null for calls without one)' }) customer!: string | null;
  @ApiProperty() total_spend!: number;
  @ApiProperty({ type: [SpendReportLineDto] }) metadata!: SpendReportLineDto[];
}

export class CustomerSpendReportDayDto implements CustomerSpendReportDay {
  @ApiProperty({ format: 'date-time', description: 'Midnight UTC of the day' }) group_by_day!: string;
  @ApiProperty({ type: [CustomerSpendGroupDto] }) customers!: CustomerSpendGroupDto[];
}

export class TeamTotalSpendDto {
  @ApiProperty({ description: 'The team alias (LiteLLM names the field team_id)' }) team_id!: string;
  @ApiProperty() total_spend!: number;
}

export class TeamSpendOverviewDto implements TeamSpendOverview {
  @ApiProperty({
    type: 'array',
    description: 'One entry per day: {date, <team alias>: spend, …}',
    items: { type: 'object', properties: { date: { type: 'string', example: '2026-01-31' } }, required: ['date'], additionalProperties: { type: 'number' } },
  })
  daily_spend!: Record<string, string | number>[];
  @ApiProperty({ type: [String], description: 'Every team alias with spend in the window' }) teams!: string[];
  @ApiProperty({ type: [TeamTotalSpendDto], description: 'The ten teams with the highest spend' }) total_spend_per_team!: TeamTotalSpendDto[];
}

export class TagSpendEntryDto {
  @ApiProperty() name!: string;
  @ApiProperty() spend!: number;
  @ApiProperty() log_count!: number;
}

export class GlobalTagSpendDto implements GlobalTagSpend {
  @ApiProperty({ type: [TagSpendEntryDto], description: 'Highest spend first' }) spend_per_tag!: TagSpendEntryDto[];
}
