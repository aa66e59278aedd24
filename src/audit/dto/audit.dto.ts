import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditLogView, ChainHead } from '../audit-log.service';
import type { AuditFilter, AuditPage, AuditSearch } from '../audit-query.service';
import type { BadRow, VerificationReport } from '../audit-verifier.service';

/**
 * Swagger shapes of the audit API. The query parameters are documented here and checked by AuditQueryService
 * itself (its 400s name the parameter), so the controller has no validation pipe.
 */

export class AuditFilterQueryDto implements AuditFilter {
  @ApiPropertyOptional({ description: 'user_id of the actor' }) changed_by?: string;
  @ApiPropertyOptional({ description: 'sha256 of the key that made the change' }) changed_by_api_key?: string;
  @ApiPropertyOptional({ example: 'LiteLLM_VerificationToken' }) table_name?: string;
  @ApiPropertyOptional() object_id?: string;
  @ApiPropertyOptional({ example: 'updated', description: 'created, updated, deleted, blocked, unblocked, rotated, member_added, member_removed, member_updated, denied, pruned' })
  action?: string;
  @ApiPropertyOptional({ example: '2026-01-01', description: 'From this day or instant (ISO 8601)' }) start_date?: string;
  @ApiPropertyOptional({ example: '2026-01-31', description: 'Up to this day or instant (ISO 8601)' }) end_date?: string;
}

export class AuditSearchQueryDto extends AuditFilterQueryDto implements AuditSearch {
  // Query strings: AuditQueryService parses them.
  @ApiPropertyOptional({ type: 'integer', default: 1, minimum: 1 }) page?: string | number;
  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 100 }) page_size?: string | number;
  @ApiPropertyOptional({ enum: ['updated_at', 'seq', 'action', 'table_name', 'changed_by'], default: 'updated_at' }) sort_by?: string;
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' }) sort_order?: string;
}

export class AuditExportQueryDto extends AuditFilterQueryDto {
  @ApiPropertyOptional({ enum: ['ndjson', 'csv'], default: 'ndjson' }) format?: string;
}

/** One audit row: the chained fields and the row's own hash. */
export class AuditLogDto implements AuditLogView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Position in the hash chain' }) seq!: number;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, nullable: true, description: 'user_id of the actor' }) changed_by!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'sha256 of the key the actor used' }) changed_by_api_key!: string | null;
  @ApiProperty({ example: 'updated' }) action!: string;
  @ApiProperty({ example: 'LiteLLM_TeamTable' }) table_name!: string;
  @ApiProperty({ type: String, nullable: true }) object_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The object as the API showed it before the change (secrets masked)' })
  before_value!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The fields the change set (secrets masked)' })
  updated_values!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true }) request_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) client_ip!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'POST /team/update' }) route!: string | null;
  @ApiProperty({ description: 'row_hash of the row before (64 zeros for the first)' }) prev_hash!: string;
  @ApiProperty({ description: "HMAC-SHA256 (or SHA-256 without a key) of the row's chained fields" }) row_hash!: string;
}

export class AuditPageDto implements AuditPage {
  @ApiProperty({ type: [AuditLogDto] }) audit_logs!: AuditLogDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
  @ApiProperty() total_pages!: number;
}

export class ChainHeadDto implements ChainHead {
  @ApiProperty() seq!: number;
  @ApiProperty() hash!: string;
}

export class BadRowDto implements BadRow {
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
  @ApiProperty({ type: Number, nullable: true }) seq!: number | null;
  @ApiProperty() reason!: string;
}

export class VerificationReportDto implements VerificationReport {
  @ApiProperty() valid!: boolean;
  @ApiProperty() checked_rows!: number;
  @ApiProperty({ type: ChainHeadDto, description: 'Where the kept chain starts: genesis, or the last row retention pruned' }) anchor!: ChainHeadDto;
  @ApiProperty({ type: ChainHeadDto, nullable: true }) head!: ChainHeadDto | null;
  @ApiProperty({ description: 'Rows are HMAC-chained (a key is configured)' }) keyed!: boolean;
  @ApiProperty({ type: BadRowDto, nullable: true }) first_bad_row!: BadRowDto | null;
}
