import { ApiProperty } from '@nestjs/swagger';
import type { GuardrailListEntry, GuardrailListParams, GuardrailListInfo } from '../guardrail-list';

/** Swagger shapes of LiteLLM's `GET /guardrails/list`. */

export class GuardrailListParamsDto implements GuardrailListParams {
  @ApiProperty({ description: "The plugin's id", example: 'hide-secrets' }) guardrail!: string;
  @ApiProperty({ type: [String], description: 'The phases it runs in', example: ['pre_call'] }) mode!: string[];
  @ApiProperty({ description: 'Runs on every request unless switched off' }) default_on!: boolean;
}

export class GuardrailListInfoDto implements GuardrailListInfo {
  @ApiProperty({ example: '@tollgate/guardrail-hide-secrets' }) package_name!: string;
  @ApiProperty({ enum: ['callbacks', 'legacy', 'guardrails'], description: 'Which config form declared it' }) config_form!: GuardrailListInfo['config_form'];
  @ApiProperty({ enum: ['fail_closed', 'fail_open'] }) on_error!: GuardrailListInfo['on_error'];
  @ApiProperty({ description: 'How long one check may take' }) timeout_ms!: number;
  @ApiProperty() priority!: number;
  @ApiProperty({ description: 'What switches it on: always, by request, by key or team' }) activation!: string;
}

export class GuardrailListEntryDto implements GuardrailListEntry {
  @ApiProperty({ example: 'output-secrets' }) guardrail_name!: string;
  @ApiProperty({ type: GuardrailListParamsDto }) litellm_params!: GuardrailListParamsDto;
  @ApiProperty({ type: GuardrailListInfoDto }) guardrail_info!: GuardrailListInfoDto;
}

export class GuardrailListDto {
  @ApiProperty({ type: [GuardrailListEntryDto] }) guardrails!: GuardrailListEntryDto[];
}
