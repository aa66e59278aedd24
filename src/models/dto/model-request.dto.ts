import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Swagger documentation of the /model/new|update|delete bodies. ModelsService validates them itself, with the same
 * class-validator rules as a `model_list` entry of config.yaml (ModelDeploymentDto), so a stored model and a
 * configured one can never differ in what they accept.
 */

/** `litellm_params` as in config.yaml; further provider parameters are passed through as given. */
export class LitellmParamsDto {
  @ApiProperty({ description: '`provider/model`', example: 'openai/gpt-4o' }) model!: string;
  @ApiPropertyOptional({ description: 'Upstream base URL (must pass egress_policy)' }) api_base?: string;
  @ApiPropertyOptional({ description: 'Stored encrypted with LITELLM_SALT_KEY; never returned' }) api_key?: string;
  @ApiPropertyOptional() api_version?: string;
  @ApiPropertyOptional() organization?: string;
  @ApiPropertyOptional({ description: 'Requests per minute of the deployment (routing)' }) rpm?: number;
  @ApiPropertyOptional({ description: 'Tokens per minute of the deployment (routing)' }) tpm?: number;
  @ApiPropertyOptional({ description: 'Seconds' }) timeout?: number;
  @ApiPropertyOptional({ description: 'Seconds' }) stream_timeout?: number;
  @ApiPropertyOptional() max_retries?: number;
  @ApiPropertyOptional({ description: 'USD, overrides the price catalog' }) input_cost_per_token?: number;
  @ApiPropertyOptional({ description: 'USD, overrides the price catalog' }) output_cost_per_token?: number;
  @ApiPropertyOptional() input_cost_per_second?: number;
  @ApiPropertyOptional({ example: 'eu' }) region_name?: string;
  @ApiPropertyOptional({ type: [String], description: 'Deployment tags for tag routing' }) tags?: string[];
  @ApiPropertyOptional({ description: 'Fixed reply (mock deployments)' }) mock_response?: string;
}

/** `model_info` as in config.yaml; further fields are kept and shown by /model/info. */
export class ModelInfoParamsDto {
  @ApiPropertyOptional({ description: 'Deployment id; generated when unset' }) id?: string;
  @ApiPropertyOptional({ enum: ['chat', 'completion', 'embedding', 'image_generation', 'audio_transcription', 'audio_speech', 'rerank'] }) mode?: string;
  @ApiPropertyOptional({ description: 'Pricing lookup name for opaque deployments' }) base_model?: string;
}

export class NewModelDto {
  @ApiProperty({ description: 'The model group clients send as `model`', example: 'gpt-4o' }) model_name!: string;
  @ApiProperty({ type: LitellmParamsDto }) litellm_params!: LitellmParamsDto;
  @ApiPropertyOptional({ type: ModelInfoParamsDto }) model_info?: ModelInfoParamsDto;
}

export class UpdateModelDto {
  @ApiPropertyOptional({ description: 'The deployment to change (or model_id, or model_info.id)' }) id?: string;
  @ApiPropertyOptional({ description: 'Same as id' }) model_id?: string;
  @ApiPropertyOptional() model_name?: string;
  @ApiPropertyOptional({ type: LitellmParamsDto, description: 'Merged into the stored litellm_params' }) litellm_params?: LitellmParamsDto;
  @ApiPropertyOptional({ type: ModelInfoParamsDto, description: 'Merged into the stored model_info' }) model_info?: ModelInfoParamsDto;
}

export class DeleteModelDto {
  @ApiPropertyOptional({ description: 'The deployment to delete (or model_id)' }) id?: string;
  @ApiPropertyOptional({ description: 'Same as id' }) model_id?: string;
}

export class TestConnectionDto {
  @ApiProperty({ type: LitellmParamsDto, description: 'The deployment to try, as it would be added (credentials included; never echoed)' })
  litellm_params!: LitellmParamsDto;
  @ApiPropertyOptional({ enum: ['chat', 'completion', 'embedding'], default: 'chat', description: 'Which minimal call to make' })
  mode?: 'chat' | 'completion' | 'embedding';
}

export class TestConnectionResponseDto {
  @ApiProperty({ enum: ['success', 'error'] }) status!: 'success' | 'error';
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The model and mode tried (empty on error)' }) result!: Record<string, string>;
  @ApiPropertyOptional({ description: "Why the call failed, in the provider error's redacted words" }) message?: string;
}
