import { ApiProperty } from '@nestjs/swagger';
import { TeamRowDto } from './team-response.dto';

/** Swagger shapes of the organization API (LiteLLM_OrganizationTable); team-mapper.ts builds the rows. */

export class OrganizationBudgetDto {
  @ApiProperty() budget_id!: string;
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty({ type: Number, nullable: true }) tpm_limit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) rpm_limit!: number | null;
}

export class OrganizationRowDto {
  @ApiProperty() organization_id!: string;
  @ApiProperty({ type: String, nullable: true }) organization_alias!: string | null;
  @ApiProperty({ type: [String] }) models!: string[];
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty({ description: 'USD, including spend not yet written to the database' }) spend!: number;
  @ApiProperty({ type: String, nullable: true }) budget_id!: string | null;
  @ApiProperty({ type: Number, nullable: true }) tpm_limit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) rpm_limit!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty({ type: OrganizationBudgetDto, nullable: true }) litellm_budget_table!: OrganizationBudgetDto | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, nullable: true }) created_by!: string | null;
}

export class OrganizationMemberDto {
  @ApiProperty() organization_id!: string;
  @ApiProperty() user_id!: string;
  @ApiProperty({ example: 'internal_user' }) user_role!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

/** /organization/info: the organization with its members and teams. */
export class OrganizationInfoDto extends OrganizationRowDto {
  @ApiProperty({ type: [OrganizationMemberDto] }) members!: OrganizationMemberDto[];
  @ApiProperty({ type: [TeamRowDto] }) teams!: TeamRowDto[];
}

export class OrganizationMembershipDto {
  @ApiProperty() organization_id!: string;
  @ApiProperty() user_id!: string;
  @ApiProperty({ type: String, nullable: true }) user_email!: string | null;
  @ApiProperty({ example: 'internal_user' }) user_role!: string;
}

export class OrganizationMemberAddResponseDto {
  @ApiProperty() organization_id!: string;
  @ApiProperty({ type: [OrganizationMembershipDto] }) updated_organization_memberships!: OrganizationMembershipDto[];
}
