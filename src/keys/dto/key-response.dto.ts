import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath, OmitType } from '@nestjs/swagger';

/** A stored key as LiteLLM returns it (snake_case column names); `token` is the sha256 of the key, never the key. */
export class KeyRowDto {
  @ApiProperty({ description: 'sha256 of the key' }) token!: string;
  @ApiProperty({ example: 'sk-...AbCd' }) key_name!: string;
  @ApiProperty({ type: String, nullable: true }) key_alias!: string | null;
  @ApiProperty() spend!: number;
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty({ type: Number, nullable: true }) soft_budget!: number | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expires!: string | null;
  @ApiProperty({ type: [String] }) models!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) aliases!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) config!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) user_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) team_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) permissions!: Record<string, unknown>;
  @ApiProperty({ type: Number, nullable: true }) max_parallel_requests!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty() blocked!: boolean;
  @ApiProperty({ type: Number, nullable: true }) tpm_limit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) rpm_limit!: number | null;
  @ApiProperty({ type: String, nullable: true }) budget_duration!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) budget_reset_at!: string | null;
  @ApiProperty({ type: [String] }) allowed_cache_controls!: string[];
  @ApiProperty({ type: [String] }) allowed_routes!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) model_spend!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) model_max_budget!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) budget_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) organization_id!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, nullable: true }) created_by!: string | null;
  @ApiProperty({ type: String, nullable: true }) updated_by!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Shared budget row (not supported yet: always null)' })
  litellm_budget_table!: null;
}

/** /key/generate and /key/regenerate: the only responses that ever carry a plaintext key. */
export class GenerateKeyResponseDto extends KeyRowDto {
  @ApiProperty({ description: 'The key itself. Shown once: only its hash is stored.', example: 'sk-Fn8Ej39NxjAXrvpUGKghGw' })
  key!: string;
  @ApiProperty({ description: 'sha256 of the key (same as token)' }) token_id!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, nullable: true, description: 'model → requests per minute' })
  model_rpm_limit!: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, nullable: true, description: 'model → tokens per minute' })
  model_tpm_limit!: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: [String], nullable: true }) guardrails!: string[] | null;
  @ApiPropertyOptional({ type: [String], nullable: true }) tags!: string[] | null;
  @ApiPropertyOptional({ type: [String], nullable: true }) enforced_params!: string[] | null;
}

export class UpdateKeyResponseDto extends KeyRowDto {
  @ApiProperty({ description: 'sha256 of the updated key' }) key!: string;
}

export class KeyInfoRowDto extends OmitType(KeyRowDto, ['token'] as const) {}

export class KeyInfoResponseDto {
  @ApiProperty({ description: 'sha256 of the key' }) key!: string;
  @ApiProperty({ type: KeyInfoRowDto }) info!: KeyInfoRowDto;
}

export class KeysInfoResponseDto {
  @ApiProperty({ type: [String], description: 'sha256 of each key asked for' }) key!: string[];
  @ApiProperty({ type: [KeyRowDto] }) info!: KeyRowDto[];
}

@ApiExtraModels(KeyRowDto)
export class KeyListResponseDto {
  @ApiProperty({
    description: 'Key hashes, or full key objects with return_full_object=true',
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { $ref: getSchemaPath(KeyRowDto) }] },
  })
  keys!: (string | KeyRowDto)[];
  @ApiProperty() total_count!: number;
  @ApiProperty() current_page!: number;
  @ApiProperty() total_pages!: number;
}

export class DeleteKeysResponseDto {
  @ApiProperty({ type: [String], description: 'Hashes of the deleted keys (or the aliases, when deleting by alias)' })
  deleted_keys!: string[];
}
