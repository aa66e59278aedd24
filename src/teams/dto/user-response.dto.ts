import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { KeyRowDto } from '../../keys/dto/key-response.dto';
import { UserRowDto, UserTeamDto } from './team-response.dto';

/** Swagger shapes of the internal-user API (LiteLLM's /user/* responses). */

/** /user/new: the user, and the key generated for it (`key: null` with auto_create_key=false, and nothing else). */
export class NewUserResponseDto extends UserRowDto {
  @ApiProperty({ type: String, nullable: true, description: 'The generated key, shown once; null with auto_create_key=false' }) key!: string | null;
  @ApiPropertyOptional({ example: 'sk-...AbCd' }) key_name?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) key_alias?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, format: 'date-time' }) expires?: string | null;
  @ApiPropertyOptional({ description: 'sha256 of the generated key' }) token?: string;
}

/** `/user/info?user_id=litellm-proxy-budget`: the global proxy budget (litellm_settings.max_budget) as LiteLLM shows it. */
export class ProxyBudgetUserInfoDto {
  @ApiProperty({ example: 'litellm-proxy-budget' }) user_id!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Always null' }) user_email!: null;
  @ApiProperty({ type: String, nullable: true, description: 'Always null' }) user_role!: null;
  @ApiProperty({ type: [String] }) teams!: string[];
  @ApiProperty({ type: Number, nullable: true }) max_budget!: number | null;
  @ApiProperty() spend!: number;
  @ApiProperty({ type: String, nullable: true }) budget_duration!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) budget_reset_at!: string | null;
  @ApiProperty({ type: [String] }) models!: string[];
}

@ApiExtraModels(UserRowDto, ProxyBudgetUserInfoDto)
export class UserInfoResponseDto {
  @ApiProperty() user_id!: string;
  @ApiProperty({ anyOf: [{ $ref: getSchemaPath(UserRowDto) }, { $ref: getSchemaPath(ProxyBudgetUserInfoDto) }] }) user_info!: UserRowDto | ProxyBudgetUserInfoDto;
  @ApiProperty({ type: [KeyRowDto], description: "The user's keys (hashes and settings, never the keys)" }) keys!: KeyRowDto[];
  @ApiProperty({ type: [UserTeamDto] }) teams!: UserTeamDto[];
}

export class UserListResponseDto {
  @ApiProperty({ type: [UserRowDto] }) users!: UserRowDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
  @ApiProperty() total_pages!: number;
}

export class DeleteUsersResponseDto {
  @ApiProperty({ type: [String] }) deleted_users!: string[];
  @ApiProperty({ example: "Successfully deleted users with ids: ['user-1']" }) message!: string;
}
