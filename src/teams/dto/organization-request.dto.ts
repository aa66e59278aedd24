import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsDefined, IsOptional, IsString } from 'class-validator';
import { OptionalCount, OptionalNumber, OptionalObject, OptionalString, OptionalStringList } from '../../common/dto/dto-decorators';
import { MAX_INTEGER_COUNT } from '../../common/column-bounds';

/** One member of /organization/member_add: by user_id or user_email, with a role (`role` or `user_role`). */
export class OrganizationMemberInputDto {
  @ApiProperty({ required: false, type: String, nullable: true, example: 'org_admin', description: 'Default internal_user' }) role?: string | null;
  @ApiProperty({ required: false, type: String, nullable: true, description: 'Older spelling of role' }) user_role?: string | null;
  @ApiProperty({ required: false, type: String, nullable: true }) user_id?: string | null;
  @ApiProperty({ required: false, type: String, nullable: true }) user_email?: string | null;
}

export class OrganizationFieldsDto {
  @OptionalString('Human-friendly name') organization_alias?: string | null;
  @OptionalStringList('Model groups the organization may call; empty = all') models?: string[] | null;
  @OptionalNumber('Organization budget in USD') max_budget?: number | null;
  @OptionalCount() tpm_limit?: number | null;
  @OptionalCount() rpm_limit?: number | null;
  @OptionalCount(undefined, undefined, MAX_INTEGER_COUNT) max_parallel_requests?: number | null;
  @OptionalString('Spend window of the organization budget') budget_duration?: string | null;
  @OptionalObject() metadata?: Record<string, unknown> | null;
}

export class NewOrganizationDto extends OrganizationFieldsDto {
  @OptionalString('Organization id; a uuid is generated when unset') organization_id?: string | null;
  @OptionalString('An existing shared budget instead of inline budget fields') budget_id?: string | null;
}

export class UpdateOrganizationDto extends OrganizationFieldsDto {
  @ApiProperty() @IsString() organization_id!: string;
}

export class OrganizationIdsDto {
  @ApiProperty({ type: [String] }) @IsArray() @ArrayNotEmpty() @IsString({ each: true }) organization_ids!: string[];
}

export class OrganizationInfoQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() organization_id?: string;
}

export class OrganizationsInfoDto {
  @ApiProperty({ type: [String] }) @IsArray() @ArrayNotEmpty() @IsString({ each: true }) organizations!: string[];
}

@ApiExtraModels(OrganizationMemberInputDto)
export class OrganizationMemberAddDto {
  @ApiProperty() @IsString() organization_id!: string;

  // Checked member by member by OrganizationsService.addMembers, hence no class-validator rule inside.
  @ApiProperty({
    description: 'One member {role|user_role, user_id|user_email} or a list of them',
    oneOf: [{ $ref: getSchemaPath(OrganizationMemberInputDto) }, { type: 'array', items: { $ref: getSchemaPath(OrganizationMemberInputDto) } }],
  })
  @IsDefined()
  member!: unknown;

  @OptionalNumber('Accepted for compatibility; not enforced yet') max_budget_in_organization?: number | null;
}
