import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import type { ModelGroupInfo, ModelInfoEntry, StoredModelView } from '../models.service';

/** Swagger shapes of LiteLLM's model API responses; ModelsService builds them. */

const LITELLM_PARAMS_VIEW: ApiPropertyOptions = {
  type: 'object',
  description: "The deployment's litellm_params without credentials (api_key and the like never leave the gateway)",
  properties: { model: { type: 'string', example: 'openai/gpt-4o' } },
  required: ['model'],
  additionalProperties: true,
};

const NULLABLE_NUMBER = { type: 'number', nullable: true } as const;

export class ModelInfoEntryDto implements ModelInfoEntry {
  @ApiProperty() model_name!: string;
  @ApiProperty(LITELLM_PARAMS_VIEW) litellm_params!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    description: 'Catalog facts of the deployment, overridden by its own model_info (whose other fields appear as given)',
    properties: {
      id: { type: 'string' },
      db_model: { type: 'boolean', description: 'Added through /model/new (not config.yaml)' },
      mode: { type: 'string', example: 'chat' },
      max_tokens: NULLABLE_NUMBER,
      max_input_tokens: NULLABLE_NUMBER,
      max_output_tokens: NULLABLE_NUMBER,
      input_cost_per_token: NULLABLE_NUMBER,
      output_cost_per_token: NULLABLE_NUMBER,
      litellm_provider: { type: 'string', example: 'openai' },
    },
    required: ['id', 'db_model', 'mode', 'litellm_provider'],
    additionalProperties: true,
  })
  model_info!: Record<string, unknown>;
}

export class ModelInfoResponseDto {
  @ApiProperty({ type: [ModelInfoEntryDto] }) data!: ModelInfoEntryDto[];
}

export class ModelGroupInfoDto implements ModelGroupInfo {
  @ApiProperty() model_group!: string;
  @ApiProperty({ type: [String] }) providers!: string[];
  @ApiProperty({ type: Number, nullable: true }) max_input_tokens!: number | null;
  @ApiProperty({ type: Number, nullable: true }) max_output_tokens!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Cheapest deployment of the group, USD' }) input_cost_per_token!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Cheapest deployment of the group, USD' }) output_cost_per_token!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'chat' }) mode!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Sum over the deployments' }) tpm!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Sum over the deployments' }) rpm!: number | null;
  @ApiProperty({ type: [String], nullable: true, description: 'For chat and completion groups' }) supported_openai_params!: string[] | null;
  @ApiProperty() supports_function_calling!: boolean;
  @ApiProperty() supports_parallel_function_calling!: boolean;
  @ApiProperty() supports_tool_choice!: boolean;
  @ApiProperty() supports_vision!: boolean;
  @ApiProperty() supports_response_schema!: boolean;
  @ApiProperty() supports_system_messages!: boolean;
  @ApiProperty() supports_prompt_caching!: boolean;
  @ApiProperty() supports_audio_input!: boolean;
  @ApiProperty() supports_audio_output!: boolean;
  @ApiProperty() supports_reasoning!: boolean;
  @ApiProperty() supports_web_search!: boolean;
}

export class ModelGroupInfoResponseDto {
  @ApiProperty({ type: [ModelGroupInfoDto] }) data!: ModelGroupInfoDto[];
}

/** A deployment stored by /model/new or /model/update. */
export class StoredModelDto implements StoredModelView {
  @ApiProperty() model_id!: string;
  @ApiProperty() model_name!: string;
  @ApiProperty(LITELLM_PARAMS_VIEW) litellm_params!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    description: 'The stored model_info, with its id and db_model: true',
    properties: { id: { type: 'string' }, db_model: { type: 'boolean' } },
    required: ['id', 'db_model'],
    additionalProperties: true,
  })
  model_info!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, nullable: true }) created_by!: string | null;
  @ApiProperty({ type: String, nullable: true }) updated_by!: string | null;
}

export class DeleteModelResponseDto {
  @ApiProperty({ example: 'Model deleted successfully: 5f3c…' }) message!: string;
  @ApiProperty() model_id!: string;
}
