import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import type { AuditLogView } from './audit-log.service';
import { AuditPage, AuditQueryService } from './audit-query.service';
import { AuditExportQueryDto, AuditLogDto, AuditPageDto, AuditSearchQueryDto, VerificationReportDto } from './dto/audit.dto';
import { AuditVerifier, VerificationReport } from './audit-verifier.service';

/** The audit log's read API, for proxy admins. Rows are only ever written by the changes they describe. */
@ApiTags('Audit')
@ApiExtraModels(AuditLogDto)
@Controller()
export class AuditController {
  constructor(
    private readonly queries: AuditQueryService,
    private readonly verifier: AuditVerifier,
  ) {}

  @Get('/audit')
  @Route(RouteClass.AdminOnly)
  @ApiOperation({ summary: 'Search audit rows: page, page_size (≤100), changed_by, changed_by_api_key, table_name, object_id, action, start_date, end_date, sort_by, sort_order' })
  @ApiOkResponse({ type: AuditPageDto })
  search(@Query() query: AuditSearchQueryDto): Promise<AuditPage> {
    return this.queries.search(query);
  }

  @Get('/audit/verify')
  @Route(RouteClass.AdminOnly)
  @ApiOperation({ summary: 'Recompute the hash chain from the retention anchor; reports the first bad row' })
  @ApiQuery({ name: 'head_seq', required: false, description: 'A chain head published earlier (log line or metric) that must still be in the chain' })
  @ApiQuery({ name: 'head_hash', required: false })
  @ApiOkResponse({ type: VerificationReportDto })
  verify(@Query('head_seq') headSeq?: string, @Query('head_hash') headHash?: string): Promise<VerificationReport> {
    return this.verifier.verify({ seq: headSeq, hash: headHash });
  }

  @Get('/audit/export')
  @Route(RouteClass.AdminOnly)
  @ApiOperation({ summary: 'Stream the audit log oldest first as NDJSON (default) or CSV, with the search filters' })
  @ApiOkResponse({
    description: 'A download: NDJSON, one audit row per line, or CSV with a header row (objects as JSON)',
    content: {
      'application/x-ndjson': { schema: { $ref: getSchemaPath(AuditLogDto) } },
      'text/csv': { schema: { type: 'string' } },
    },
  })
  async export(@Query() query: AuditExportQueryDto): Promise<StreamableFile> {
    const { format, ...filter } = query;
    const exported = await this.queries.export(format ?? 'ndjson', filter);
    return new StreamableFile(exported.stream, { type: exported.contentType, disposition: `attachment; filename="${exported.fileName}"` });
  }

  @Get('/audit/:id')
  @Route(RouteClass.AdminOnly)
  @ApiOperation({ summary: 'One audit row by id' })
  @ApiOkResponse({ type: AuditLogDto })
  get(@Param('id') id: string): Promise<AuditLogView> {
    return this.queries.get(id);
  }
}
