import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { OptionalBoolean, OptionalNumber, OptionalString } from '../../common/dto/dto-decorators';
import { BudgetFieldsDto } from './budget-request.dto';

export const MODEL_REGIONS = ['eu', 'us'] as const;

const OptionalRegion = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ enum: MODEL_REGIONS, nullable: true, description: 'Only deployments of this litellm_params.region_name serve the customer' }),
    IsOptional(),
    IsIn([...MODEL_REGIONS]),
  );

/** Customer fields shared by /customer/new and /customer/update; budget fields create or change its budget row. */
export class CustomerParamsDto extends BudgetFieldsDto {
  @ApiProperty({ description: 'The end-user id: the `user` field of LLM requests', example: 'customer-42' })
  @IsString()
  user_id!: string;

  @OptionalString('Human-friendly name')
  alias?: string | null;

  @OptionalBoolean('A blocked customer gets 400 on every LLM call')
  blocked?: boolean | null;

  @OptionalString('Id of an existing shared budget (instead of max_budget)', 'free-tier')
  budget_id?: string | null;

  @OptionalRegion()
  allowed_model_region?: 'eu' | 'us' | null;

  @OptionalString('Model group used when the requested one is not available in the allowed region; must be on the proxy')
  default_model?: string | null;
}

export class NewCustomerDto extends CustomerParamsDto {
  @OptionalNumber('Spend already on the customer, USD')
  spend?: number | null;
}

export class UpdateCustomerDto extends CustomerParamsDto {}

export class CustomerInfoQueryDto {
  @ApiPropertyOptional({ description: 'The end-user id (required)' })
  @IsOptional()
  @IsString()
  end_user_id?: string;
}
