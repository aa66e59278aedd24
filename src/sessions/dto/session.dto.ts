import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { USER_ROLES } from '../../teams/team';

export class LoginDto {
  @ApiProperty({ description: 'UI_USERNAME, or a user_id or user_email of an internal user with a password', example: 'admin', maxLength: 512 })
  @IsString()
  @MaxLength(512)
  username!: string;

  @ApiProperty({ description: 'UI_PASSWORD (default: the master key), or the user password', writeOnly: true, maxLength: 1024 })
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class SessionInfoDto {
  @ApiProperty({ example: 'default_user_id' }) user_id!: string;
  @ApiProperty({ type: String, nullable: true }) user_email!: string | null;
  @ApiProperty({ enum: USER_ROLES }) user_role!: (typeof USER_ROLES)[number];
  @ApiProperty({ description: 'Send as the x-csrf-token header on every POST, PUT, PATCH and DELETE made with the session cookie' }) csrf_token!: string;
  @ApiProperty({ format: 'date-time', description: 'When the session ends at the latest (ui_session_max_age after login)' }) expires_at!: string;
  @ApiProperty({ description: 'The session ends after this many seconds unused (ui_session_idle_timeout)' }) idle_timeout_seconds!: number;
}

export class LogoutResponseDto {
  @ApiProperty({ example: 'Logged out' }) message!: string;
}
