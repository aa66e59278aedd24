import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONFIG_TYPES, type ConfigType } from '../runtime-fields';

const SECTION = { type: 'object', additionalProperties: true } as const;
/** A setting's value: whatever JSON the field takes; null (unset) on the string branch, where OpenAPI 3.0 wants it. */
const JSON_VALUE = {
  oneOf: [
    { type: 'string', nullable: true },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }] } },
    { type: 'object', additionalProperties: true },
  ],
};

export class ConfigUpdateDto {
  @ApiPropertyOptional({
    ...SECTION,
    description: 'Fields applied at runtime (see /config/list); null removes a stored field',
    example: { routing_strategy: 'least-busy', num_retries: 2 },
  })
  router_settings?: Record<string, unknown>;
  @ApiPropertyOptional({ ...SECTION, description: 'num_retries, request_timeout and the fallback lists' })
  litellm_settings?: Record<string, unknown>;
  @ApiPropertyOptional({ ...SECTION, description: 'No general_settings field applies at runtime: each is refused with a 400 saying a restart is needed' })
  general_settings?: Record<string, unknown>;
  @ApiPropertyOptional({ ...SECTION, description: 'Refused unless empty: environment variables are read at boot' })
  environment_variables?: Record<string, unknown>;
}

export class ConfigUpdateResponseDto {
  @ApiProperty() message!: string;
  @ApiProperty({ enum: CONFIG_TYPES, isArray: true, description: 'Sections whose stored fields changed' }) updated_sections!: ConfigType[];
  @ApiProperty({ description: 'Always false: every stored field is applied at once on every instance' }) requires_restart!: boolean;
}

export class ConfigFieldUpdateDto {
  @ApiProperty({ example: 'num_retries' }) field_name!: string;
  @ApiProperty({ ...JSON_VALUE, description: 'Any JSON value the field takes (e.g. 3)' }) field_value!: unknown;
  @ApiProperty({ enum: CONFIG_TYPES }) config_type!: ConfigType;
}

export class ConfigFieldDeleteDto {
  @ApiProperty({ example: 'num_retries' }) field_name!: string;
  @ApiProperty({ enum: CONFIG_TYPES }) config_type!: ConfigType;
}

export class ConfigFieldInfoDto {
  @ApiProperty() field_name!: string;
  @ApiProperty({ ...JSON_VALUE, description: 'The value in force (secrets masked); null when unset' }) field_value!: unknown;
  @ApiProperty({ description: 'Stored in the database over config.yaml' }) stored_in_db!: boolean;
  @ApiProperty({ enum: CONFIG_TYPES }) config_type!: ConfigType;
  @ApiProperty({ ...JSON_VALUE }) field_default_value!: unknown;
  @ApiProperty({ description: 'Whether a change applies without a restart' }) applied_at_runtime!: boolean;
}

export class ConfigListItemDto {
  @ApiProperty() field_name!: string;
  @ApiProperty({ enum: ['String', 'Integer', 'Float', 'Boolean', 'Dict', 'List', 'Unknown'] }) field_type!: string;
  @ApiProperty() field_description!: string;
  @ApiProperty({ ...JSON_VALUE }) field_value!: unknown;
  @ApiProperty() stored_in_db!: boolean;
  @ApiProperty({ ...JSON_VALUE }) field_default_value!: unknown;
  @ApiProperty() applied_at_runtime!: boolean;
}

export class RouterSettingsFieldDto {
  @ApiProperty() field_name!: string;
  @ApiProperty({ enum: ['String', 'Integer', 'Float', 'Boolean', 'Dict', 'List'] }) field_type!: string;
  @ApiProperty() field_description!: string;
  @ApiProperty({ ...JSON_VALUE, description: 'The value in force (router_settings, else the litellm_settings equivalent); null when unset' })
  field_value!: unknown;
  @ApiProperty({ ...JSON_VALUE }) field_default_value!: unknown;
  @ApiPropertyOptional({ type: [String] }) options?: string[];
}

export class RouterSettingsResponseDto {
  @ApiProperty({ type: [RouterSettingsFieldDto] }) fields!: RouterSettingsFieldDto[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'field_name → the value the Router uses (its default when unset)' })
  current_values!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) routing_strategy_descriptions!: Record<string, string>;
}

export class CallbackDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['success', 'failure', 'success_and_failure'] }) type!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string', nullable: true } }) variables!: Record<string, string | null>;
}

export class AlertDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string', nullable: true }, description: 'Secrets masked' }) variables!: Record<string, string | null>;
  @ApiProperty({ type: [String] }) active_alerts!: string[];
}

export class ConfigCallbacksResponseDto {
  @ApiProperty({ example: 'success' }) status!: string;
  @ApiProperty({ type: [CallbackDto] }) callbacks!: CallbackDto[];
  @ApiProperty({ type: [AlertDto] }) alerts!: AlertDto[];
}

export class ActiveCallbacksResponseDto {
  @ApiProperty({ type: [String] }) alerting!: string[];
  @ApiProperty({ type: [String], name: 'litellm.callbacks' }) 'litellm.callbacks'!: string[];
  @ApiProperty({ type: [String], name: 'litellm.success_callback' }) 'litellm.success_callback'!: string[];
  @ApiProperty({ type: [String], name: 'litellm.failure_callback' }) 'litellm.failure_callback'!: string[];
  @ApiProperty({ type: [String] }) all_litellm_callbacks!: string[];
  @ApiProperty() num_callbacks!: number;
  @ApiProperty() num_alerting!: number;
}
