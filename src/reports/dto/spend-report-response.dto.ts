import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Swagger shapes of the spend reports; the services return plain objects of the same shape. */

export class SpendLogDto {
  @ApiProperty() request_id!: string;
  @ApiProperty({ example: 'acompletion' }) call_type!: string;
  @ApiProperty({ description: 'sha256 of the key that made the call' }) api_key!: string;
  @ApiProperty({ description: 'USD' }) spend!: number;
  @ApiProperty() total_tokens!: number;
  @ApiProperty() prompt_tokens!: number;
  @ApiProperty() completion_tokens!: number;
  @ApiProperty({ format: 'date-time' }) startTime!: string;
  @ApiProperty({ format: 'date-time' }) endTime!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completionStartTime!: string | null;
  @ApiProperty() model!: string;
  @ApiProperty({ nullable: true, type: String }) model_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) model_group!: string | null;
  @ApiProperty({ nullable: true, type: String }) custom_llm_provider!: string | null;
  @ApiProperty({ nullable: true, type: String }) api_base!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Internal user owning the key' }) user!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The request `user` (customer)' }) end_user!: string | null;
  @ApiProperty({ nullable: true, type: String }) team_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) organization_id!: string | null;
  @ApiProperty({ type: [String] }) request_tags!: string[];
  @ApiProperty({ nullable: true, type: String }) requester_ip_address!: string | null;
  @ApiProperty({ enum: ['True', 'False'] }) cache_hit!: 'True' | 'False';
  @ApiProperty({ enum: ['success', 'failure'] }) status!: 'success' | 'failure';
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'user_api_key, user_api_key_alias, spend_logs_metadata, …' })
  metadata!: Record<string, unknown>;
}

export class TagSpendDto {
  @ApiProperty() individual_request_tag!: string;
  @ApiProperty() log_count!: number;
  @ApiProperty() total_spend!: number;
}

export class ModelSpendDetailDto {
  @ApiProperty() model!: string;
  @ApiProperty() total_cost!: number;
  @ApiProperty() total_input_tokens!: number;
  @ApiProperty() total_output_tokens!: number;
}

export class KeySpendReportDto {
  @ApiProperty() api_key!: string;
  @ApiProperty() total_cost!: number;
  @ApiProperty() total_input_tokens!: number;
  @ApiProperty() total_output_tokens!: number;
  @ApiProperty({ type: [ModelSpendDetailDto] }) model_details!: ModelSpendDetailDto[];
}

export class GlobalKeySpendDto {
  @ApiProperty() api_key!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) key_alias!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) key_name!: string | null;
  @ApiProperty() total_spend!: number;
}

export class GlobalModelSpendDto {
  @ApiProperty() model!: string;
  @ApiProperty() total_spend!: number;
}

export class GlobalEndUserSpendDto {
  @ApiProperty({ nullable: true, type: String }) end_user!: string | null;
  @ApiProperty() total_count!: number;
  @ApiProperty() total_spend!: number;
}
