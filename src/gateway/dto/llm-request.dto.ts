import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

/**
 * Swagger documentation of the LLM request bodies: OpenAI's chat/completions, completions and embeddings request
 * schemas, plus LiteLLM's proxy fields. Documentation only: the hot path checks the few fields it depends on by hand
 * (request-validation.ts), providers validate their own parameters, and fields not listed here pass through.
 */

/** A string or a list of them; null allowed (OpenAPI 3.0 puts `nullable` beside a `type`, so on the string). */
const STRING_OR_LIST = {
  oneOf: [
    { type: 'string', nullable: true },
    { type: 'array', items: { type: 'string' } },
  ],
};
const PROMPT_OR_INPUT = {
  oneOf: [
    { type: 'string' },
    { type: 'array', items: { type: 'string' } },
    { type: 'array', items: { type: 'integer' }, description: 'Token ids' },
    { type: 'array', items: { type: 'array', items: { type: 'integer' } }, description: 'Lists of token ids' },
  ],
};

export class ImageUrlDto {
  @ApiProperty({ description: 'https URL or data: URL' }) url!: string;
  @ApiPropertyOptional({ enum: ['auto', 'low', 'high'] }) detail?: 'auto' | 'low' | 'high';
}

export class InputAudioDto {
  @ApiProperty({ description: 'Base64 audio' }) data!: string;
  @ApiProperty({ enum: ['wav', 'mp3'] }) format!: 'wav' | 'mp3';
}

export class InputFileDto {
  @ApiPropertyOptional() file_id?: string;
  @ApiPropertyOptional({ description: 'Base64 file content' }) file_data?: string;
  @ApiPropertyOptional() filename?: string;
}

/** One part of a message's content: text, an image, audio or a file. */
export class ChatContentPartDto {
  @ApiProperty({ enum: ['text', 'image_url', 'input_audio', 'file', 'refusal'] }) type!: string;
  @ApiPropertyOptional() text?: string;
  @ApiPropertyOptional({ type: ImageUrlDto }) image_url?: ImageUrlDto;
  @ApiPropertyOptional({ type: InputAudioDto }) input_audio?: InputAudioDto;
  @ApiPropertyOptional({ type: InputFileDto }) file?: InputFileDto;
  @ApiPropertyOptional() refusal?: string;
}

export class FunctionCallDto {
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The arguments as a JSON text' }) arguments!: string;
}

export class ToolCallDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['function'] }) type!: 'function';
  @ApiProperty({ type: FunctionCallDto }) function!: FunctionCallDto;
}

@ApiExtraModels(ChatContentPartDto)
export class ChatMessageDto {
  @ApiProperty({ enum: ['developer', 'system', 'user', 'assistant', 'tool', 'function'] }) role!: string;
  @ApiPropertyOptional({
    description: 'Text, or content parts (text, image_url, input_audio, file); null for an assistant message with tool_calls',
    oneOf: [
      { type: 'string', nullable: true },
      { type: 'array', items: { $ref: getSchemaPath(ChatContentPartDto) } },
    ],
  })
  content?: string | ChatContentPartDto[] | null;
  @ApiPropertyOptional({ description: 'Name of the participant' }) name?: string;
  @ApiPropertyOptional({ type: [ToolCallDto], description: 'Assistant messages: the tools it called' }) tool_calls?: ToolCallDto[];
  @ApiPropertyOptional({ description: 'Tool messages: the call they answer' }) tool_call_id?: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Assistant messages: a refusal' }) refusal?: string | null;
}

export class FunctionDefinitionDto {
  @ApiProperty({ example: 'get_weather' }) name!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'JSON Schema of the arguments',
    example: { type: 'object', properties: { city: { type: 'string' } } },
  })
  parameters?: Record<string, unknown>;
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Strict schema adherence' }) strict?: boolean | null;
}

export class ToolDto {
  @ApiProperty({ enum: ['function'] }) type!: 'function';
  @ApiProperty({ type: FunctionDefinitionDto }) function!: FunctionDefinitionDto;
}

export class NamedFunctionDto {
  @ApiProperty() name!: string;
}

export class NamedToolChoiceDto {
  @ApiProperty({ enum: ['function'] }) type!: 'function';
  @ApiProperty({ type: NamedFunctionDto }) function!: NamedFunctionDto;
}

export class JsonSchemaFormatDto {
  @ApiProperty() name!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'The JSON Schema the reply must follow' }) schema?: Record<string, unknown>;
  @ApiPropertyOptional({ type: Boolean, nullable: true }) strict?: boolean | null;
}

export class ResponseFormatDto {
  @ApiProperty({ enum: ['text', 'json_object', 'json_schema'] }) type!: 'text' | 'json_object' | 'json_schema';
  @ApiPropertyOptional({ type: JsonSchemaFormatDto, description: 'With type json_schema' }) json_schema?: JsonSchemaFormatDto;
}

export class StreamOptionsDto {
  @ApiPropertyOptional({ description: 'A last chunk with the usage of the whole request' }) include_usage?: boolean;
  @ApiPropertyOptional() include_obfuscation?: boolean;
}

export class AudioOutputDto {
  @ApiProperty({ example: 'alloy' }) voice!: string;
  @ApiProperty({ enum: ['wav', 'aac', 'mp3', 'flac', 'opus', 'pcm16'] }) format!: string;
}

export class PredictionDto {
  @ApiProperty({ enum: ['content'] }) type!: 'content';
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', additionalProperties: true } }] }) content!: string | Record<string, unknown>[];
}

export class FallbackModelDto {
  @ApiProperty() model!: string;
  @ApiPropertyOptional({ type: [ChatMessageDto], description: 'Messages to send to this model instead' }) messages?: ChatMessageDto[];
}

export class CacheControlsDto {
  @ApiPropertyOptional({ name: 'no-cache', description: 'Skip the cache for this request' }) 'no-cache'?: boolean;
  @ApiPropertyOptional({ name: 'no-store', description: 'Do not store this reply' }) 'no-store'?: boolean;
  @ApiPropertyOptional({ description: 'Seconds to keep this reply' }) ttl?: number;
  @ApiPropertyOptional({ name: 's-maxage', description: 'Oldest cached reply accepted, seconds' }) 's-maxage'?: number;
  @ApiPropertyOptional() namespace?: string;
}

/** LiteLLM's proxy fields, read by Tollgate and never sent to the provider. */
@ApiExtraModels(FallbackModelDto)
export class ProxyRequestFieldsDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Tollgate/LiteLLM metadata: tags (spend tags), spend_logs_metadata (kept on the spend row), guardrails, …',
    example: { tags: ['team:search'], spend_logs_metadata: { ticket: 'T-42' } },
  })
  metadata?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: [String], description: 'Spend and routing tags (as metadata.tags)' }) tags?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Guardrails to run on this request (as configured; a key may forbid changing them)' }) guardrails?: string[];
  @ApiPropertyOptional({
    description: 'Model groups to try, in order, when this one fails (subject to the key’s model access)',
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { $ref: getSchemaPath(FallbackModelDto) }] },
    example: ['gpt-4o-mini'],
  })
  fallbacks?: (string | FallbackModelDto)[];
  @ApiPropertyOptional({ type: [String], description: 'Fallbacks when the prompt exceeds the context window' }) context_window_fallbacks?: string[];
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Retries within the model group' }) num_retries?: number;
  @ApiPropertyOptional({ description: 'Deadline of the whole call in seconds (also header x-litellm-timeout)' }) timeout?: number;
  @ApiPropertyOptional({ description: 'Testing: fail the first deployment to exercise fallbacks' }) mock_testing_fallbacks?: boolean;
  @ApiPropertyOptional({ description: 'Testing: answer as if rate limited' }) mock_testing_rate_limit_error?: boolean;
  @ApiPropertyOptional({ description: 'Use the response cache for this request' }) caching?: boolean;
  @ApiPropertyOptional({ type: CacheControlsDto, description: 'Per-request cache controls' }) cache?: CacheControlsDto;
  @ApiPropertyOptional({ description: 'Client-side credentials: an upstream base URL (refused unless the proxy allows it, and only with api_key)' }) api_base?: string;
  @ApiPropertyOptional({ description: 'Client-side credentials: same as api_base' }) base_url?: string;
  @ApiPropertyOptional({ description: 'Client-side credentials: the provider key to call api_base with' }) api_key?: string;
  @ApiPropertyOptional({ description: 'Client-side credentials: Azure API version' }) api_version?: string;
}

@ApiExtraModels(NamedToolChoiceDto)
export class ChatCompletionRequestDto extends ProxyRequestFieldsDto {
  @ApiProperty({ example: 'gpt-4o', description: 'A model group (or alias) the caller may use' }) model!: string;
  @ApiProperty({ type: [ChatMessageDto], example: [{ role: 'user', content: 'Hello!' }] }) messages!: ChatMessageDto[];
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Server-sent events (chat.completion.chunk objects, then [DONE])' }) stream?: boolean | null;
  @ApiPropertyOptional({ type: StreamOptionsDto, nullable: true }) stream_options?: StreamOptionsDto | null;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 2 }) temperature?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 1 }) top_p?: number | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: 128, description: 'Choices to generate' }) n?: number | null;
  @ApiPropertyOptional({ description: 'Up to 4 sequences where generation stops', ...STRING_OR_LIST }) stop?: string | string[] | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'Deprecated by OpenAI in favour of max_completion_tokens' }) max_tokens?: number | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'Upper bound of generated tokens, reasoning tokens included' }) max_completion_tokens?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: -2, maximum: 2 }) presence_penalty?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: -2, maximum: 2 }) frequency_penalty?: number | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, nullable: true, description: 'Token id → bias (-100…100)' }) logit_bias?: Record<
    string,
    number
  > | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true }) logprobs?: boolean | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0, maximum: 20, description: 'With logprobs: the most likely tokens per position' }) top_logprobs?:
    number | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'Best-effort deterministic sampling' }) seed?: number | null;
  @ApiPropertyOptional({ type: [ToolDto], description: 'Tools (functions) the model may call' }) tools?: ToolDto[];
  @ApiPropertyOptional({
    description: 'none, auto, required, or {type: function, function: {name}}',
    oneOf: [{ type: 'string', enum: ['none', 'auto', 'required'] }, { $ref: getSchemaPath(NamedToolChoiceDto) }],
  })
  tool_choice?: 'none' | 'auto' | 'required' | NamedToolChoiceDto;
  @ApiPropertyOptional({ description: 'Call several tools in one turn' }) parallel_tool_calls?: boolean;
  @ApiPropertyOptional({ type: ResponseFormatDto, description: 'text, json_object, or json_schema (structured outputs)' }) response_format?: ResponseFormatDto;
  @ApiPropertyOptional({ type: String, description: 'End-user id: end-user budgets, spend and blocking (also OpenAI’s abuse monitoring)' }) user?: string;
  @ApiPropertyOptional({ description: 'OpenAI: a stable id of the end user for safety monitoring' }) safety_identifier?: string;
  @ApiPropertyOptional({ description: 'OpenAI: prompt cache routing key' }) prompt_cache_key?: string;
  @ApiPropertyOptional({ type: String, nullable: true, enum: ['none', 'minimal', 'low', 'medium', 'high'], description: 'Reasoning models' }) reasoning_effort?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, enum: ['low', 'medium', 'high'] }) verbosity?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, enum: ['auto', 'default', 'flex', 'scale', 'priority'] }) service_tier?: string | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'OpenAI: store the completion' }) store?: boolean | null;
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', enum: ['text', 'audio'] }, nullable: true }) modalities?: ('text' | 'audio')[] | null;
  @ApiPropertyOptional({ type: AudioOutputDto, nullable: true, description: 'With modalities ["audio"]' }) audio?: AudioOutputDto | null;
  @ApiPropertyOptional({ type: PredictionDto, nullable: true, description: 'Predicted output (faster regeneration)' }) prediction?: PredictionDto | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'OpenAI web search (search models)' }) web_search_options?: Record<string, unknown>;
  @ApiPropertyOptional({ deprecated: true, type: [FunctionDefinitionDto], description: 'Deprecated: use tools' }) functions?: FunctionDefinitionDto[];
  @ApiPropertyOptional({
    deprecated: true,
    description: 'Deprecated: use tool_choice',
    oneOf: [{ type: 'string', enum: ['none', 'auto'] }, { $ref: getSchemaPath(NamedFunctionDto) }],
  })
  function_call?: 'none' | 'auto' | NamedFunctionDto;
  @ApiPropertyOptional({ description: 'Testing: the reply text, without calling the provider' }) mock_response?: string;
}

export class TextCompletionRequestDto extends ProxyRequestFieldsDto {
  @ApiProperty({ example: 'gpt-3.5-turbo-instruct' }) model!: string;
  @ApiProperty({ example: 'Say this is a test', ...PROMPT_OR_INPUT }) prompt!: string | string[] | number[] | number[][];
  @ApiPropertyOptional({ type: Boolean, nullable: true }) stream?: boolean | null;
  @ApiPropertyOptional({ type: StreamOptionsDto, nullable: true }) stream_options?: StreamOptionsDto | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, default: 16 }) max_tokens?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 2 }) temperature?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) top_p?: number | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) n?: number | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) best_of?: number | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true }) echo?: boolean | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, maximum: 5 }) logprobs?: number | null;
  @ApiPropertyOptional({ ...STRING_OR_LIST }) stop?: string | string[] | null;
  @ApiPropertyOptional({ type: String, nullable: true }) suffix?: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) presence_penalty?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) frequency_penalty?: number | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, nullable: true }) logit_bias?: Record<string, number> | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) seed?: number | null;
  @ApiPropertyOptional({ description: 'End-user id' }) user?: string;
}

export class EmbeddingRequestDto extends ProxyRequestFieldsDto {
  @ApiProperty({ example: 'text-embedding-3-small' }) model!: string;
  @ApiProperty({ example: 'The food was delicious', ...PROMPT_OR_INPUT }) input!: string | string[] | number[] | number[][];
  @ApiPropertyOptional({ enum: ['float', 'base64'], default: 'float' }) encoding_format?: 'float' | 'base64';
  @ApiPropertyOptional({ type: 'integer', description: 'Output dimensions (text-embedding-3 and later)' }) dimensions?: number;
  @ApiPropertyOptional({ description: 'End-user id' }) user?: string;
}
