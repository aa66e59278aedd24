import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { OptionalBoolean, OptionalPage, OptionalCount, OptionalNumber, OptionalObject, OptionalString, OptionalStringList } from '../../common/dto/dto-decorators';
import { USER_ROLES } from '../team';
import { MAX_INTEGER_COUNT } from '../../common/column-bounds';

/** User fields shared by /user/new and /user/update (LiteLLM's NewUserRequest / UpdateUserRequest). */
export class UserFieldsDto {
  @OptionalString('Email, unique across users', 'ada@example.com') user_email?: string | null;
  @OptionalString('Human-friendly name') user_alias?: string | null;

  @ApiPropertyOptional({ enum: USER_ROLES, nullable: true, default: 'internal_user' })
  @IsOptional()
  @IsIn([...USER_ROLES])
  user_role?: (typeof USER_ROLES)[number] | null;

  @OptionalString('Organization of the user (must exist)') organization_id?: string | null;
  @OptionalNumber('User budget in USD, across all their keys') max_budget?: number | null;
  @OptionalString('User spend resets to 0 after this window', '30d') budget_duration?: string | null;
  @OptionalStringList('Model groups the user may call; empty = all') models?: string[] | null;
  @OptionalCount() tpm_limit?: number | null;
  @OptionalCount() rpm_limit?: number | null;
  @OptionalCount(undefined, undefined, MAX_INTEGER_COUNT) max_parallel_requests?: number | null;
  @OptionalObject() metadata?: Record<string, unknown> | null;

  /** Write-only: stored scrypt-hashed, never returned, never in an audit row or a log line. */
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    minLength: 1,
    maxLength: 1024,
    description: "Admin UI login password (stored hashed, never returned); setting it ends the user's open UI sessions",
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string | null;
}

export class NewUserDto extends UserFieldsDto {
  @OptionalString('User id; a uuid is generated when unset') user_id?: string | null;
  @OptionalString('Older clients: taken as user_alias when that is unset') user_name?: string | null;
  @OptionalStringList('Team ids the user joins (as `user`)') teams?: string[] | null;
  @OptionalString('A team the user joins; the generated key belongs to it') team_id?: string | null;
  @OptionalBoolean('Generate a key for the user (default true)') auto_create_key?: boolean | null;
  @OptionalBoolean('Mail the new user an invitation with their key (needs alerting: ["email"] and SMTP_*)') send_invite_email?: boolean | null;
  @OptionalString('Lifetime of the generated key') duration?: string | null;
  @OptionalObject('Model aliases of the generated key') aliases?: Record<string, unknown> | null;
  @OptionalString('Alias of the generated key') key_alias?: string | null;
  @OptionalNumber('Initial spend of the user, USD') spend?: number | null;
}

export class UpdateUserDto extends UserFieldsDto {
  @OptionalString('The user to change (or user_email)') user_id?: string | null;
  @OptionalNumber('Sets the user spend, USD (0 resets it)') spend?: number | null;
}

export class UserIdsDto {
  @ApiProperty({ type: [String] }) @IsArray() @ArrayNotEmpty() @IsString({ each: true }) user_ids!: string[];
}

export class UserInfoQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() user_id?: string;
}

export class UserListQueryDto {
  @ApiPropertyOptional({ enum: USER_ROLES }) @IsOptional() @IsIn([...USER_ROLES]) role?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() user_ids?: string;
  @OptionalPage() page?: number;
  @ApiPropertyOptional({ default: 25 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) page_size?: number;
}
