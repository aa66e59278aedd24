import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsDefined, IsIn, IsOptional, IsString } from 'class-validator';
import { OptionalBoolean, OptionalCount, OptionalNumber, OptionalObject, OptionalString, OptionalStringList } from '../../common/dto/dto-decorators';
import { MAX_INTEGER_COUNT } from '../../common/column-bounds';

/** One member of a request: by user_id or user_email (or both). */
export class TeamMemberInputDto {
  @ApiPropertyOptional({ enum: ['admin', 'user'], nullable: true, description: 'Default: user' }) role?: 'admin' | 'user' | null;
  @ApiPropertyOptional({ type: String, nullable: true }) user_id?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) user_email?: string | null;
}

/** Team fields shared by /team/new and /team/update (LiteLLM's NewTeamRequest / UpdateTeamRequest). */
export class TeamFieldsDto {
  @OptionalString('Human-friendly name', 'research')
  team_alias?: string | null;

  @OptionalString('The organization the team belongs to (must exist)')
  organization_id?: string | null;

  @OptionalObject('Free-form metadata; tags, guardrails and spend_logs_metadata live here')
  metadata?: Record<string, unknown> | null;

  @OptionalCount('Tokens per minute across the team') tpm_limit?: number | null;
  @OptionalCount('Requests per minute across the team') rpm_limit?: number | null;
  @OptionalCount('Concurrent calls across the team', undefined, MAX_INTEGER_COUNT) max_parallel_requests?: number | null;
  @OptionalNumber('Team budget in USD', 100) max_budget?: number | null;
  @OptionalString('Team spend resets to 0 after this window: 30s, 30m, 30h, 30d, 1mo', '30d') budget_duration?: string | null;
  @OptionalStringList('Model groups the team may call; empty = all', ['gpt-4o']) models?: string[] | null;
  @OptionalBoolean('A blocked team cannot make LLM calls') blocked?: boolean | null;
  @OptionalObject('Team model aliases, e.g. {"cheap-model": "gpt-4o-mini"}') model_aliases?: Record<string, unknown> | null;
  @OptionalStringList('Spend / routing tags (stored in metadata.tags)') tags?: string[] | null;
  @OptionalStringList('Guardrails (stored in metadata.guardrails)') guardrails?: string[] | null;
}

@ApiExtraModels(TeamMemberInputDto)
export class NewTeamDto extends TeamFieldsDto {
  @OptionalString('Team id; a uuid is generated when unset') team_id?: string | null;

  // Checked member by member by TeamsService (parseMembers), hence no class-validator rule inside.
  @ApiPropertyOptional({ description: 'Members: [{role: admin|user, user_id|user_email}]', type: 'array', items: { $ref: getSchemaPath(TeamMemberInputDto) }, nullable: true })
  @IsOptional()
  @IsArray()
  members_with_roles?: unknown[] | null;

  @OptionalStringList('Deprecated: user ids added as admins') admins?: string[] | null;
  @OptionalStringList('Deprecated: user ids added as users') members?: string[] | null;
}

export class UpdateTeamDto extends TeamFieldsDto {
  @ApiProperty() @IsString() team_id!: string;
}

export class TeamIdDto {
  @ApiProperty() @IsString() team_id!: string;
}

export class TeamIdsDto {
  @ApiProperty({ type: [String] }) @IsArray() @ArrayNotEmpty() @IsString({ each: true }) team_ids!: string[];
}

export class TeamInfoQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() team_id?: string;
}

export class TeamListQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() user_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() organization_id?: string;
}

@ApiExtraModels(TeamMemberInputDto)
export class MemberAddDto {
  @ApiProperty() @IsString() team_id!: string;

  // Checked member by member by TeamsService (parseMembers), hence no class-validator rule inside.
  @ApiProperty({
    description: 'One member {role, user_id|user_email} or a list of them',
    oneOf: [{ $ref: getSchemaPath(TeamMemberInputDto) }, { type: 'array', items: { $ref: getSchemaPath(TeamMemberInputDto) } }],
  })
  @IsDefined()
  member!: unknown;

  @OptionalNumber('Per-member budget inside the team, USD') max_budget_in_team?: number | null;
}

export class MemberDeleteDto {
  @ApiProperty() @IsString() team_id!: string;
  @OptionalString() user_id?: string | null;
  @OptionalString() user_email?: string | null;
}

export class MemberUpdateDto extends MemberDeleteDto {
  @OptionalNumber('Per-member budget inside the team, USD') max_budget_in_team?: number | null;

  @ApiPropertyOptional({ enum: ['admin', 'user'], nullable: true })
  @IsOptional()
  @IsIn(['admin', 'user'])
  role?: 'admin' | 'user' | null;
}
