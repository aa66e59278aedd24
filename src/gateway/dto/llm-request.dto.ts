import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Swagger documentation of the LLM bodies; validation is `validateLlmBody`, and unknown fields pass through. */
export class ChatCompletionRequestDto {
  @ApiProperty({ example: 'gpt-4o' }) model!: string;
  @ApiProperty({ example: [{ role: 'user', content: 'Hello!' }], type: 'array', items: { type: 'object' } }) messages!: object[];
  @ApiPropertyOptional() stream?: boolean;
  @ApiPropertyOptional({ example: { include_usage: true } }) stream_options?: object;
  @ApiPropertyOptional({ description: 'End-user id, for end-user budgets and spend' }) user?: string;
  @ApiPropertyOptional({ description: 'Tollgate/LiteLLM metadata: tags, spend_logs_metadata, …' }) metadata?: object;
  @ApiPropertyOptional() max_tokens?: number;
  @ApiPropertyOptional() temperature?: number;
}

export class TextCompletionRequestDto {
  @ApiProperty({ example: 'gpt-3.5-turbo-instruct' }) model!: string;
  @ApiProperty({ example: 'Say this is a test' }) prompt!: string;
  @ApiPropertyOptional() stream?: boolean;
  @ApiPropertyOptional() max_tokens?: number;
}

export class EmbeddingRequestDto {
  @ApiProperty({ example: 'text-embedding-3-small' }) model!: string;
  @ApiProperty({ example: 'The food was delicious', oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }) input!: string | string[];
  @ApiPropertyOptional({ enum: ['float', 'base64'] }) encoding_format?: 'float' | 'base64';
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
