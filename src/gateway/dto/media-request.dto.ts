import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Swagger documentation of the media request bodies (OpenAI's and Cohere's rerank). Documentation only: MediaService
 * checks the required fields itself and the rest passes through to the provider.
 */

export class ImageGenerationRequestDto {
  @ApiProperty({ example: 'dall-e-3' }) model!: string;
  @ApiProperty({ example: 'A lighthouse at dawn' }) prompt!: string;
  @ApiPropertyOptional({ type: 'integer', default: 1 }) n?: number;
  @ApiPropertyOptional({ example: '1024x1024' }) size?: string;
  @ApiPropertyOptional({ example: 'standard' }) quality?: string;
  @ApiPropertyOptional({ enum: ['url', 'b64_json'] }) response_format?: string;
  @ApiPropertyOptional({ example: 'vivid' }) style?: string;
  @ApiPropertyOptional({ description: 'End-user id' }) user?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Tollgate/LiteLLM metadata (tags, spend_logs_metadata)' }) metadata?: Record<string, unknown>;
}

export class SpeechRequestDto {
  @ApiProperty({ example: 'tts-1' }) model!: string;
  @ApiProperty({ description: 'The text to speak' }) input!: string;
  @ApiProperty({ example: 'alloy' }) voice!: string;
  @ApiPropertyOptional({ enum: ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'], default: 'mp3' }) response_format?: string;
  @ApiPropertyOptional({ minimum: 0.25, maximum: 4, default: 1 }) speed?: number;
  @ApiPropertyOptional() instructions?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) metadata?: Record<string, unknown>;
}

export class TranscriptionRequestDto {
  @ApiProperty({ type: 'string', format: 'binary' }) file!: string;
  @ApiProperty({ example: 'whisper-1' }) model!: string;
  @ApiPropertyOptional({ example: 'en' }) language?: string;
  @ApiPropertyOptional() prompt?: string;
  @ApiPropertyOptional({ enum: ['json', 'text', 'srt', 'verbose_json', 'vtt'], default: 'json' }) response_format?: string;
  @ApiPropertyOptional() temperature?: number;
}

export class ModerationRequestDto {
  @ApiProperty({
    description: 'Text, texts, or multi-modal parts',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'array', items: { type: 'object', additionalProperties: true } }],
  })
  input!: string | string[] | Record<string, unknown>[];
  @ApiPropertyOptional({ description: 'Default: the first moderation model of the config' }) model?: string;
}

export class RerankRequestDto {
  @ApiProperty({ example: 'rerank-english-v3.0' }) model!: string;
  @ApiProperty() query!: string;
  @ApiProperty({
    description: 'Texts, or objects with a text field',
    oneOf: [
      { type: 'array', items: { type: 'string' } },
      { type: 'array', items: { type: 'object', additionalProperties: true } },
    ],
  })
  documents!: string[] | Record<string, unknown>[];
  @ApiPropertyOptional({ type: 'integer' }) top_n?: number;
  @ApiPropertyOptional() return_documents?: boolean;
}

export class FileUploadRequestDto {
  @ApiProperty({ type: 'string', format: 'binary' }) file!: string;
  @ApiProperty({ example: 'batch', description: 'batch, fine-tune, assistants, user_data, …' }) purpose!: string;
  @ApiPropertyOptional({ description: 'The deployment (model group) to store the file with; default: the first that serves files' }) model?: string;
  @ApiPropertyOptional({ description: "LiteLLM's spelling: comma-separated model groups (the first is used)" }) target_model_names?: string;
}

export class BatchCreateRequestDto {
  @ApiProperty({ description: 'A file uploaded by this key with purpose "batch"' }) input_file_id!: string;
  @ApiProperty({ example: '/v1/chat/completions' }) endpoint!: string;
  @ApiProperty({ example: '24h' }) completion_window!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, nullable: true }) metadata?: Record<string, string> | null;
  @ApiPropertyOptional({ description: 'Tollgate/LiteLLM: the model group whose deployment runs the batch (default: the input file’s)' }) model?: string;
  @ApiPropertyOptional({ description: 'LiteLLM: model groups to run the batch on (the first is used)' }) target_model_names?: string;
  @ApiPropertyOptional({ description: 'LiteLLM: openai or azure (the first such deployment)' }) custom_llm_provider?: string;
}
