import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import type { ModelAnalyticsDay, ModelAnalyticsEntry } from '../model-analytics';
import { DateRangeQueryDto } from './spend-report-query.dto';

/** `/model/analytics/daily`: one model group (all together when absent) over a range (default: the last 30 days). */
export class ModelAnalyticsDailyQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({ description: 'The model group (the model name callers send); all groups together when absent', example: 'gpt-4o' })
  @IsOptional()
  @IsString()
  model_group?: string;
}

/** LiteLLM's `/model/metrics` and `/model/metrics/exceptions` query. */
export class ModelMetricsQueryDto {
  @ApiPropertyOptional({ description: 'Only this model group' })
  @IsOptional()
  @IsString()
  _selected_model_group?: string;

  @ApiPropertyOptional({ description: 'First day: YYYY-MM-DD or an ISO-8601 instant (its UTC day); default 30 days ago' })
  @IsOptional()
  @IsString()
  startTime?: string;

  @ApiPropertyOptional({ description: 'Last day, inclusive: YYYY-MM-DD or an ISO-8601 instant (its UTC day); default today' })
  @IsOptional()
  @IsString()
  endTime?: string;
}

const NULLABLE_MS = { nullable: true, type: Number, description: 'Milliseconds; null when no successful uncached call measured it' };

export class ModelAnalyticsEntryDto implements ModelAnalyticsEntry {
  @ApiProperty({ description: 'The model name callers send (a proxy model group, or the requested model when none matched)' }) model_group!: string;
  @ApiProperty() requests!: number;
  @ApiProperty({ description: 'Calls that ended in an error' }) failures!: number;
  @ApiProperty(NULLABLE_MS) avg_latency_ms!: number | null;
  @ApiProperty({ ...NULLABLE_MS, description: 'Average over calls with output tokens of latency ÷ completion tokens, ms' }) avg_latency_per_output_token_ms!: number | null;
  @ApiProperty({ description: 'USD' }) spend!: number;
  @ApiProperty() prompt_tokens!: number;
  @ApiProperty() completion_tokens!: number;
}

export class ModelAnalyticsDto {
  @ApiProperty({ type: [ModelAnalyticsEntryDto] }) data!: ModelAnalyticsEntryDto[];
}

export class ModelAnalyticsDayDto implements ModelAnalyticsDay {
  @ApiProperty({ example: '2024-05-01' }) date!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() failures!: number;
  @ApiProperty(NULLABLE_MS) avg_latency_ms!: number | null;
  @ApiProperty(NULLABLE_MS) avg_latency_per_output_token_ms!: number | null;
  @ApiProperty({ description: 'USD' }) spend!: number;
}

export class ModelAnalyticsDailyDto {
  @ApiProperty({ type: [ModelAnalyticsDayDto], description: 'Every day of the range, oldest first' }) data!: ModelAnalyticsDayDto[];
}

export class ModelMetricsDto {
  @ApiProperty({
    description: 'One entry per day: `date` and, per deployment (its api base when a URL, else its model), average seconds per output token',
    type: 'array',
    items: { type: 'object', properties: { date: { type: 'string' } }, additionalProperties: { oneOf: [{ type: 'number' }, { type: 'string' }] } },
  })
  data!: ({ date: string } & Record<string, number | string>)[];

  @ApiProperty({ type: [String] }) all_api_bases!: string[];
}
