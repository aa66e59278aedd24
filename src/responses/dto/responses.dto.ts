import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Swagger documentation of OpenAI's Responses API objects. The upstream's own fields pass through, so a Response
 * may carry more than is listed; `id` is Tollgate's call id (also in `x-litellm-call-id`).
 */

const ITEM = { type: 'object', additionalProperties: true, description: 'An output or input item (message, function_call, reasoning, …)' } as const;

export class ResponseUsageDto {
  @ApiProperty() input_tokens!: number;
  @ApiProperty() output_tokens!: number;
  @ApiProperty() total_tokens!: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'cached_tokens' }) input_tokens_details?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'reasoning_tokens' }) output_tokens_details?: Record<string, unknown>;
}

export class ResponseObjectDto {
  @ApiProperty({ example: 'resp_…' }) id!: string;
  @ApiProperty({ example: 'response' }) object!: string;
  @ApiProperty() created_at!: number;
  @ApiProperty({ example: 'completed' }) status!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ type: 'array', items: ITEM }) output!: Record<string, unknown>[];
  @ApiPropertyOptional({ type: String, nullable: true }) previous_response_id?: string | null;
  @ApiPropertyOptional({ type: ResponseUsageDto, nullable: true }) usage?: ResponseUsageDto | null;
}

export class DeletedResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'response.deleted' }) object!: string;
  @ApiProperty() deleted!: boolean;
}

export class ResponseInputItemListDto {
  @ApiProperty({ example: 'list' }) object!: string;
  @ApiProperty({ type: 'array', items: ITEM }) data!: Record<string, unknown>[];
  @ApiProperty({ type: String, nullable: true }) first_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) last_id!: string | null;
  @ApiProperty() has_more!: boolean;
}
