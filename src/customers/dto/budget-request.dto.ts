import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsOptional, IsString } from 'class-validator';
import { OptionalCount, OptionalNumber, OptionalObject, OptionalString } from '../../common/dto/dto-decorators';
import { MAX_INTEGER_COUNT } from '../../common/column-bounds';

/** LiteLLM's BudgetNewRequest fields, shared by /budget/* and the inline budget of /customer/new and /customer/update. */
export class BudgetFieldsDto {
  @OptionalNumber('Hard budget in USD: calls are refused once spend reaches it', 10)
  max_budget?: number | null;

  @OptionalNumber('Alerting threshold in USD (calls are not refused)')
  soft_budget?: number | null;

  @OptionalCount('Concurrent calls allowed', undefined, MAX_INTEGER_COUNT)
  max_parallel_requests?: number | null;

  @OptionalCount('Tokens per minute')
  tpm_limit?: number | null;

  @OptionalCount('Requests per minute')
  rpm_limit?: number | null;

  @OptionalString('Spend resets to 0 after this window: 30s, 30m, 30h, 30d, 1mo', '30d')
  budget_duration?: string | null;

  @OptionalObject('Per-model budgets, e.g. {"gpt-4o": {"max_budget": 1, "budget_duration": "1d"}}')
  model_max_budget?: Record<string, unknown> | null;

  @OptionalString('When the budget first resets (ISO 8601); default now + budget_duration', '2030-01-01T00:00:00Z')
  budget_reset_at?: string | null;
}

export class NewBudgetDto extends BudgetFieldsDto {
  @OptionalString('Id of the budget (e.g. "free-tier"); generated when unset', 'free-tier')
  budget_id?: string | null;
}

/** Fields present in the body change, `null` included (it clears a limit), as LiteLLM's exclude_unset update. */
export class UpdateBudgetDto extends BudgetFieldsDto {
  @OptionalString('The budget to change (required)', 'free-tier')
  budget_id?: string | null;
}

export class BudgetsInfoDto {
  @ApiProperty({ type: [String], description: 'Budget ids' })
  @IsArray()
  @IsString({ each: true })
  budgets!: string[];
}

export class BudgetInfoQueryDto {
  @ApiPropertyOptional({ description: 'The budget id' })
  @IsOptional()
  @IsString()
  budget_id?: string;
}

export class DeleteBudgetDto {
  @ApiProperty({ description: 'The budget id to delete; end users using it keep no budget' })
  @IsString()
  id!: string;
}

export class CustomerIdsDto {
  @ApiProperty({ type: [String], description: 'End-user ids' })
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  user_ids!: string[];
}
