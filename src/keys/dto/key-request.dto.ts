import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { OptionalPage, OptionalStringList } from '../../common/dto/dto-decorators';

export class DeleteKeysDto {
  @OptionalStringList('Keys to delete, plaintext or hashes')
  keys?: string[] | null;

  @OptionalStringList('Aliases of keys to delete (instead of keys)')
  key_aliases?: string[] | null;
}

export class KeysInfoDto {
  @ApiProperty({ type: [String], description: 'Keys, plaintext or hashes' })
  @IsArray()
  @IsString({ each: true })
  keys!: string[];
}

export class BlockKeyDto {
  @ApiProperty({ description: 'The key, plaintext or hash' })
  @IsString()
  key!: string;
}

export class KeyInfoQueryDto {
  @ApiPropertyOptional({ description: "The key, plaintext or hash; the caller's own key when omitted" })
  @IsOptional()
  @IsString()
  key?: string;
}

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

export class ListKeysQueryDto {
  @OptionalPage()
  page?: number;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  size?: number;

  @ApiPropertyOptional() @IsOptional() @IsString() user_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() team_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() key_alias?: string;
  @ApiPropertyOptional({ description: 'sha256 of a key' }) @IsOptional() @IsString() key_hash?: string;

  @ApiPropertyOptional({ description: 'Full key objects instead of hashes', default: false })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  return_full_object?: boolean;

  @ApiPropertyOptional({ enum: ['spend', 'max_budget', 'created_at', 'updated_at', 'token', 'key_alias'] })
  @IsOptional()
  @IsIn(['spend', 'max_budget', 'created_at', 'updated_at', 'token', 'key_alias'])
  sort_by?: 'spend' | 'max_budget' | 'created_at' | 'updated_at' | 'token' | 'key_alias';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(['asc', 'desc'])
  sort_order?: 'asc' | 'desc';

  @ApiPropertyOptional({ description: 'Accepted for compatibility (no teams yet)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  include_team_keys?: boolean;

  @ApiPropertyOptional({ description: 'Also list keys the caller created' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  include_created_by_keys?: boolean;
}
