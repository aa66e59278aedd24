import { ApiProperty } from '@nestjs/swagger';
import { KeyRowDto } from '../../keys/dto/key-response.dto';

/**
 * Swagger shapes of the team API, and of the user row the team and user APIs both return; team-mapper.ts builds
 * them with LiteLLM's snake_case column names.
 */

/** An internal user (LiteLLM_UserTable) with the live spend and budget window. */
export class UserRowDto {
  @ApiProperty() user_id!: string;
  @ApiProperty({ type: String, nullable: true }) user_email!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_alias!: string | null;
  @ApiProperty({ example: 'internal_user', description: 'proxy_admin, proxy_admin_viewer, org_admin, internal_user or internal_user_viewer' }) user_role!: string;
  @ApiProperty({ type: [String], description: 'Ids of the teams the user is in' }) teams!: string[];
  @ApiProperty({ type: String, nullable: true }) organization_id!: string | null;
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty({ description: 'USD, including spend not yet written to the database' }) spend!: number;
  @ApiProperty({ type: String, nullable: true }) budget_duration!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) budget_reset_at!: string | null;
  @ApiProperty({ type: [String] }) models!: string[];
  @ApiProperty({ type: Number, nullable: true }) tpm_limit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) rpm_limit!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class TeamMemberDto {
  @ApiProperty({ enum: ['admin', 'user'] }) role!: 'admin' | 'user';
  @ApiProperty({ type: String, nullable: true }) user_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_email!: string | null;
}

export class TeamModelTableDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'alias → model group' }) model_aliases!: Record<string, string>;
}

export class TeamRowDto {
  @ApiProperty() team_id!: string;
  @ApiProperty({ type: String, nullable: true }) team_alias!: string | null;
  @ApiProperty({ type: String, nullable: true }) organization_id!: string | null;
  @ApiProperty({ type: 'array', items: { type: 'string', nullable: true }, description: 'user_id of each admin member' }) admins!: (string | null)[];
  @ApiProperty({ type: 'array', items: { type: 'string', nullable: true }, description: 'user_id of each member' }) members!: (string | null)[];
  @ApiProperty({ type: [TeamMemberDto] }) members_with_roles!: TeamMemberDto[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Free-form; tags and guardrails live here' }) metadata!: Record<string, unknown>;
  @ApiProperty({ type: Number, nullable: true }) tpm_limit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) rpm_limit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) max_parallel_requests!: number | null;
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty({ type: String, nullable: true }) budget_duration!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) budget_reset_at!: string | null;
  @ApiProperty({ type: [String] }) models!: string[];
  @ApiProperty() blocked!: boolean;
  @ApiProperty({ description: 'USD, including spend not yet written to the database' }) spend!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) model_aliases!: Record<string, string>;
  @ApiProperty({ type: TeamModelTableDto, nullable: true, description: 'null without model aliases' }) litellm_model_table!: TeamModelTableDto | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class MemberBudgetDto {
  @ApiProperty() budget_id!: string;
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
}

/** A user's membership of a team (LiteLLM_TeamMembership), with its spend inside the team. */
export class TeamMembershipRowDto {
  @ApiProperty() team_id!: string;
  @ApiProperty() user_id!: string;
  @ApiProperty() spend!: number;
  @ApiProperty({ type: String, nullable: true }) budget_id!: string | null;
  @ApiProperty({ type: MemberBudgetDto, nullable: true, description: 'The per-member budget (max_budget_in_team)' }) litellm_budget_table!: MemberBudgetDto | null;
}

export class TeamInfoResponseDto {
  @ApiProperty() team_id!: string;
  @ApiProperty({ type: TeamRowDto }) team_info!: TeamRowDto;
  @ApiProperty({ type: [KeyRowDto], description: "The team's keys (hashes and settings, never the keys)" }) keys!: KeyRowDto[];
  @ApiProperty({ type: [TeamMembershipRowDto] }) team_memberships!: TeamMembershipRowDto[];
}

export class UpdateTeamResponseDto {
  @ApiProperty() team_id!: string;
  @ApiProperty({ type: TeamRowDto }) data!: TeamRowDto;
}

export class DeleteTeamsResponseDto {
  @ApiProperty({ type: [String] }) deleted_teams!: string[];
  @ApiProperty({ example: "Successfully deleted teams with ids: ['team-1']" }) message!: string;
}

/** /team/member_add: the team, plus the users added and their memberships. */
export class TeamMemberAddResponseDto extends TeamRowDto {
  @ApiProperty({ type: [UserRowDto] }) updated_users!: UserRowDto[];
  @ApiProperty({ type: [TeamMembershipRowDto] }) updated_team_memberships!: TeamMembershipRowDto[];
}

export class TeamMemberUpdateResponseDto {
  @ApiProperty() team_id!: string;
  @ApiProperty({ type: String, nullable: true }) user_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_email!: string | null;
  @ApiProperty({ type: Number, nullable: true }) max_budget_in_team!: number | null;
}

/** A team as /user/info lists it: with the user's membership rows of it. */
export class UserTeamDto extends TeamRowDto {
  @ApiProperty({ type: [TeamMembershipRowDto] }) team_memberships!: TeamMembershipRowDto[];
}
