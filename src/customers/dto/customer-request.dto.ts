import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { OptionalBoolean, OptionalNumber, OptionalPage, OptionalString } from '../../common/dto/dto-decorators';
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

export const MAX_CUSTOMER_PAGE_SIZE = 1000;

/**
 * `/customer/list` paging (a Tollgate extension): without `page`/`page_size` every customer is listed, as LiteLLM
 * does; with either, one page of them in the same order (oldest first), so a UI never loads 50,000 rows at once.
 */
export class CustomerListQueryDto {
  @OptionalPage('Page number, from 1 (with page_size: one page instead of every customer)')
  page?: number;

  @ApiPropertyOptional({ description: 'Customers per page (default 50 when page is given)', minimum: 1, maximum: MAX_CUSTOMER_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_CUSTOMER_PAGE_SIZE)
  page_size?: number;
}
