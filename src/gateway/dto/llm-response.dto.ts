import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ToolCallDto } from './llm-request.dto';

/**
 * Swagger documentation of the LLM responses, OpenAI's shapes. Providers' own extra fields pass through, so these
 * objects may carry more than is listed; `id` is always Tollgate's call id (also in `x-litellm-call-id`).
 */

export class PromptTokensDetailsDto {
  @ApiPropertyOptional() cached_tokens?: number;
  @ApiPropertyOptional() audio_tokens?: number;
}

export class CompletionTokensDetailsDto {
  @ApiPropertyOptional() reasoning_tokens?: number;
  @ApiPropertyOptional() audio_tokens?: number;
  @ApiPropertyOptional() accepted_prediction_tokens?: number;
  @ApiPropertyOptional() rejected_prediction_tokens?: number;
}

export class UsageDto {
  @ApiProperty() prompt_tokens!: number;
  @ApiProperty() completion_tokens!: number;
  @ApiProperty() total_tokens!: number;
  @ApiPropertyOptional({ type: PromptTokensDetailsDto, nullable: true }) prompt_tokens_details?: PromptTokensDetailsDto | null;
  @ApiPropertyOptional({ type: CompletionTokensDetailsDto, nullable: true }) completion_tokens_details?: CompletionTokensDetailsDto | null;
}

export class AssistantMessageDto {
  @ApiProperty({ example: 'assistant' }) role!: string;
  @ApiProperty({ type: String, nullable: true }) content!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) refusal?: string | null;
  @ApiPropertyOptional({ type: [ToolCallDto] }) tool_calls?: ToolCallDto[];
}

export class LogprobsDto {
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, nullable: true, description: 'Per token: token, logprob, bytes, top_logprobs' })
  content?: Record<string, unknown>[] | null;
}

export class ChatChoiceDto {
  @ApiProperty() index!: number;
  @ApiProperty({ type: AssistantMessageDto }) message!: AssistantMessageDto;
  @ApiProperty({ type: String, nullable: true, example: 'stop', description: 'stop, length, tool_calls, content_filter, function_call' }) finish_reason!: string | null;
  @ApiPropertyOptional({ type: LogprobsDto, nullable: true }) logprobs?: LogprobsDto | null;
}

export class ChatCompletionDto {
  @ApiProperty({ example: 'chatcmpl-7f9c4d5e-…' }) id!: string;
  @ApiProperty({ example: 'chat.completion' }) object!: string;
  @ApiProperty({ description: 'Unix seconds' }) created!: number;
  @ApiProperty() model!: string;
  @ApiProperty({ type: [ChatChoiceDto] }) choices!: ChatChoiceDto[];
  @ApiPropertyOptional({ type: UsageDto, nullable: true }) usage?: UsageDto | null;
  @ApiPropertyOptional({ type: String, nullable: true }) system_fingerprint?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) service_tier?: string | null;
}

export class TextChoiceDto {
  @ApiProperty() text!: string;
  @ApiProperty() index!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) logprobs!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, example: 'stop' }) finish_reason!: string | null;
}

export class TextCompletionDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'text_completion' }) object!: string;
  @ApiProperty({ description: 'Unix seconds' }) created!: number;
  @ApiProperty() model!: string;
  @ApiProperty({ type: [TextChoiceDto] }) choices!: TextChoiceDto[];
  @ApiPropertyOptional({ type: UsageDto, nullable: true }) usage?: UsageDto | null;
}

export class EmbeddingDto {
  @ApiProperty({ example: 'embedding' }) object!: string;
  @ApiProperty() index!: number;
  @ApiProperty({ description: 'Floats, or base64 with encoding_format=base64', oneOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string' }] })
  embedding!: number[] | string;
}

export class EmbeddingUsageDto {
  @ApiProperty() prompt_tokens!: number;
  @ApiProperty() total_tokens!: number;
}

export class EmbeddingResponseDto {
  @ApiProperty({ example: 'list' }) object!: string;
  @ApiProperty({ type: [EmbeddingDto] }) data!: EmbeddingDto[];
  @ApiProperty() model!: string;
  @ApiPropertyOptional({ type: EmbeddingUsageDto, nullable: true }) usage?: EmbeddingUsageDto | null;
}

export class ModelCardDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'model' }) object!: 'model';
  @ApiProperty() created!: number;
  @ApiProperty() owned_by!: string;
}

export class ModelListDto {
  @ApiProperty({ example: 'list' }) object!: 'list';
  @ApiProperty({ type: [ModelCardDto] }) data!: ModelCardDto[];
}

export class ImageDto {
  @ApiPropertyOptional() url?: string;
  @ApiPropertyOptional({ description: 'With response_format=b64_json' }) b64_json?: string;
  @ApiPropertyOptional() revised_prompt?: string;
}

export class ImagesResponseDto {
  @ApiProperty({ description: 'Unix seconds' }) created!: number;
  @ApiProperty({ type: [ImageDto] }) data!: ImageDto[];
}

export class TranscriptionDto {
  @ApiProperty() text!: string;
}

export class ModerationResultDto {
  @ApiProperty() flagged!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'boolean' } }) categories!: Record<string, boolean>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) category_scores!: Record<string, number>;
}

export class ModerationResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ type: [ModerationResultDto] }) results!: ModerationResultDto[];
}

export class RerankResultDto {
  @ApiProperty({ description: 'Position of the document in the request' }) index!: number;
  @ApiProperty() relevance_score!: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'With return_documents' }) document?: Record<string, unknown>;
}

export class RerankResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: [RerankResultDto] }) results!: RerankResultDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) meta?: Record<string, unknown>;
}

export class FileObjectDto {
  @ApiProperty({ example: 'file-abc123' }) id!: string;
  @ApiProperty({ example: 'file' }) object!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'Unix seconds' }) created_at!: number;
  @ApiProperty() filename!: string;
  @ApiProperty({ example: 'batch' }) purpose!: string;
  @ApiPropertyOptional({ type: Number, nullable: true }) expires_at?: number | null;
  @ApiPropertyOptional({ example: 'processed' }) status?: string;
}

export class FileListDto {
  @ApiProperty({ example: 'list' }) object!: string;
  @ApiProperty({ type: [FileObjectDto] }) data!: FileObjectDto[];
  @ApiPropertyOptional() has_more?: boolean;
}

export class FileDeletedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'file' }) object!: string;
  @ApiProperty() deleted!: boolean;
}

export class BatchRequestCountsDto {
  @ApiProperty() total!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
}

export class BatchObjectDto {
  @ApiProperty({ example: 'batch_abc123' }) id!: string;
  @ApiProperty({ example: 'batch' }) object!: string;
  @ApiProperty({ example: '/v1/chat/completions' }) endpoint!: string;
  @ApiProperty() input_file_id!: string;
  @ApiProperty({ example: '24h' }) completion_window!: string;
  @ApiProperty({ example: 'validating', description: 'validating, failed, in_progress, finalizing, completed, expired, cancelling, cancelled' }) status!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) output_file_id?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) error_file_id?: string | null;
  @ApiProperty({ description: 'Unix seconds' }) created_at!: number;
  @ApiPropertyOptional({ type: BatchRequestCountsDto }) request_counts?: BatchRequestCountsDto;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, nullable: true }) metadata?: Record<string, string> | null;
}

export class BatchListDto {
  @ApiProperty({ example: 'list' }) object!: string;
  @ApiProperty({ type: [BatchObjectDto] }) data!: BatchObjectDto[];
  @ApiPropertyOptional({ type: String, nullable: true }) first_id?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) last_id?: string | null;
  @ApiPropertyOptional() has_more?: boolean;
}
