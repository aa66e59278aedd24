import { ApiProperty } from '@nestjs/swagger';

/** A budget row as LiteLLM returns it (LiteLLM_BudgetTable columns). */
export class BudgetRowDto {
  @ApiProperty() budget_id!: string;
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty({ type: Number, nullable: true }) soft_budget!: number | null;
  @ApiProperty({ type: Number, nullable: true }) max_parallel_requests!: number | null;
  @ApiProperty({ type: Number, nullable: true }) tpm_limit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) rpm_limit!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) model_max_budget!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true }) budget_duration!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) budget_reset_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, nullable: true }) created_by!: string | null;
  @ApiProperty({ type: String, nullable: true }) updated_by!: string | null;
}

/** A customer row as LiteLLM returns it (LiteLLM_EndUserTable columns), with its budget row. */
export class CustomerRowDto {
  @ApiProperty() user_id!: string;
  @ApiProperty({ type: String, nullable: true }) alias!: string | null;
  @ApiProperty({ description: 'USD, including spend not yet written to the database' }) spend!: number;
  @ApiProperty({ type: String, nullable: true, enum: ['eu', 'us'] }) allowed_model_region!: string | null;
  @ApiProperty({ type: String, nullable: true }) default_model!: string | null;
  @ApiProperty({ type: String, nullable: true }) budget_id!: string | null;
  @ApiProperty({ type: BudgetRowDto, nullable: true }) litellm_budget_table!: BudgetRowDto | null;
  @ApiProperty() blocked!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) budget_reset_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class BlockCustomersResponseDto {
  @ApiProperty({ type: [CustomerRowDto], description: 'The rows now blocked' }) blocked_users!: CustomerRowDto[];
}

export class UnblockCustomersResponseDto {
  @ApiProperty({ type: [String], description: 'Ids still blocked (rows and litellm_settings.blocked_user_list)' }) blocked_users!: string[];
}

export class DeleteCustomersResponseDto {
  @ApiProperty({ description: 'How many rows were deleted' }) deleted_customers!: number;
  @ApiProperty({ example: "Successfully deleted customers with ids: ['customer-42']" }) message!: string;
}
