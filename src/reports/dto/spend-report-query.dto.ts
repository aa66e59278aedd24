import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';
import { OptionalPage } from '../../common/dto/dto-decorators';

// Dates stay strings here: report-dates.ts parses them strictly and answers LiteLLM's error texts.
const START_DATE = { description: 'First day, YYYY-MM-DD (UTC)', example: '2024-05-01' };
const END_DATE = { description: 'Last day, YYYY-MM-DD (UTC), inclusive', example: '2024-05-31' };

export class DateRangeQueryDto {
  @ApiPropertyOptional(START_DATE)
  @IsOptional()
  @IsString()
  start_date?: string;

  @ApiPropertyOptional(END_DATE)
  @IsOptional()
  @IsString()
  end_date?: string;
}

export class SpendLogsQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({ description: 'One request (the OpenAI response id)' })
  @IsOptional()
  @IsString()
  request_id?: string;

  @ApiPropertyOptional({ description: 'Calls made with this key: plaintext sk-… or its sha256 hash' })
  @IsOptional()
  @IsString()
  api_key?: string;

  @ApiPropertyOptional({ description: 'Calls made with keys of this internal user' })
  @IsOptional()
  @IsString()
  user_id?: string;

  @ApiPropertyOptional({ description: 'Calls made by this team' })
  @IsOptional()
  @IsString()
  team_id?: string;

  @ApiPropertyOptional({ description: 'Rows per page (row listing only)', default: 1000, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @OptionalPage('Page number, from 1, newest rows first (row listing only)')
  page?: number;
}

export class SpendExportQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({ enum: ['csv', 'ndjson'], default: 'csv' })
  @IsOptional()
  @IsString()
  format?: string;

  @ApiPropertyOptional({ description: 'Only calls made with this key: plaintext sk-… or its sha256 hash' })
  @IsOptional()
  @IsString()
  api_key?: string;

  @ApiPropertyOptional({ description: 'Only calls made with keys of this internal user' })
  @IsOptional()
  @IsString()
  user_id?: string;

  @ApiPropertyOptional({ description: 'Only calls made by this team' })
  @IsOptional()
  @IsString()
  team_id?: string;
}

export class GlobalSpendReportQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({ enum: ['team', 'customer', 'api_key'], default: 'team' })
  @IsOptional()
  @IsIn(['team', 'customer', 'api_key'])
  group_by?: 'team' | 'customer' | 'api_key';

  @ApiPropertyOptional({ description: 'Per-key report for this key only: plaintext sk-… or its hash' })
  @IsOptional()
  @IsString()
  api_key?: string;

  @ApiPropertyOptional({ description: 'Per-key report for the keys of this internal user' })
  @IsOptional()
  @IsString()
  internal_user_id?: string;
}

export class TopListQueryDto {
  @ApiPropertyOptional({ description: "Top 'n' entries", minimum: 1, maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;
}

export class SpendUsersQueryDto extends TopListQueryDto {
  @ApiPropertyOptional({ description: 'Only this user' })
  @IsOptional()
  @IsString()
  user_id?: string;
}

export class GlobalTagsQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({ description: 'Comma-separated tags to report on; `all-tags` or none = every tag' })
  @IsOptional()
  @IsString()
  tags?: string;
}

/** LiteLLM's `GlobalEndUsersSpend`: all optional; the window defaults to the last 30 days. */
export class GlobalEndUsersDto {
  @ApiPropertyOptional({ description: 'Window start: ISO-8601 instant or YYYY-MM-DD', example: '2024-05-01T00:00:00Z' })
  @IsOptional()
  @IsString()
  startTime?: string;

  @ApiPropertyOptional({ description: 'Window end (exclusive instant, or a whole day for YYYY-MM-DD)' })
  @IsOptional()
  @IsString()
  endTime?: string;

  @ApiPropertyOptional({ description: 'Only calls made with this key: plaintext sk-… or its hash' })
  @IsOptional()
  @IsString()
  api_key?: string;
}

export class SpendCalculateDto {
  @ApiPropertyOptional({ description: 'Model to price a prompt for (a proxy model name or a catalog model)', example: 'gpt-4o' })
  @IsOptional()
  @IsString()
  model?: string;

  @ApiPropertyOptional({
    description: 'Chat messages of the prompt (required with model)',
    type: 'array',
    items: {
      type: 'object',
      properties: { role: { type: 'string' }, content: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', additionalProperties: true } }] } },
      additionalProperties: true,
    },
  })
  @IsOptional()
  @IsArray()
  messages?: Record<string, unknown>[];

  @ApiPropertyOptional({ description: 'An OpenAI completion object with model and usage', type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  completion_response?: Record<string, unknown>;
}

export class SpendCostDto {
  @ApiProperty({ description: 'USD', example: 0.000045 })
  cost!: number;
}
