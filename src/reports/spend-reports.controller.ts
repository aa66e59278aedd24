import { Body, Controller, Get, HttpCode, Post, Query, Req, StreamableFile, UsePipes } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import {
  GlobalEndUsersDto,
  GlobalSpendReportQueryDto,
  GlobalTagsQueryDto,
  SpendCalculateDto,
  SpendCostDto,
  SpendExportQueryDto,
  SpendLogsQueryDto,
  SpendUsersQueryDto,
  TopListQueryDto,
} from './dto/spend-report-query.dto';
import {
  CustomerSpendReportDayDto,
  DAILY_SPEND_ENTRY_SCHEMA,
  GlobalEndUserSpendDto,
  GlobalKeySpendDto,
  GlobalModelSpendDto,
  GlobalTagSpendDto,
  KeySpendReportDto,
  KeySpendRowDto,
  SpendLogDto,
  TagSpendDto,
  TeamSpendOverviewDto,
  TeamSpendReportDayDto,
  UserSpendRowDto,
} from './dto/spend-report-response.dto';
import { parseBound, parseDayRange } from './report-dates';
import type { CustomerSpendReportDay, DailySpendEntry, KeySpendReportEntry, TeamSpendOverview, TeamSpendReportDay } from './spend-aggregation';
import { SpendCalculatorService } from './spend-calculator.service';
import { SpendExportService } from './spend-export.service';
import type { SpendLogView } from './spend-log-view';
import {
  MAX_SPEND_LOG_PAGE,
  SpendReportsService,
  type GlobalEndUserSpend,
  type GlobalKeySpend,
  type GlobalModelSpend,
  type GlobalTagSpend,
  type KeySpendRow,
  type SpendLogFilter,
  type TagSpend,
  type UserSpendRow,
} from './spend-reports.service';
import { requireWholeProxyScope, spendScopeOf } from './spend-scope';
import { requestValidationPipe } from '../common/http/request-validation.pipe';

const DAY_MS = 86_400_000;
const DEFAULT_TOP_KEYS = 100;
const DEFAULT_TOP_MODELS = 10;
const DEFAULT_LIST_LIMIT = 1000;

/**
 * LiteLLM's spend reporting API (read side of the ledger) plus a streaming export.
 *
 * Access: `/spend/*` reads are open to any authenticated key (`internal_user_routes` + `info_routes` let the route
 * guard pass them) and each query is limited in SQL to what the caller may see (see spend-scope.ts): everything for
 * admins and keys with `permissions.get_spend_routes`, the owner's keys for internal users, the key's own calls
 * otherwise. `/global/*` and the export are for proxy admins (and, for GETs, `proxy_admin_viewer`).
 */
@ApiTags('Spend')
@ApiExtraModels(SpendLogDto, TeamSpendReportDayDto, CustomerSpendReportDayDto, KeySpendReportDto)
@Controller()
@UsePipes(requestValidationPipe({ allowUnknownFields: true }))
export class SpendReportsController {
  constructor(
    private readonly reports: SpendReportsService,
    private readonly exporter: SpendExportService,
    private readonly calculator: SpendCalculatorService,
  ) {}

  @Get('/spend/logs')
  @Route(RouteClass.Management, 'spend_tracking_routes', 'internal_user_routes', 'info_routes')
  @ApiOperation({
    summary: 'Spend logs: one request, rows filtered by key/user/team (newest first, paged), or per-day totals with start_date & end_date',
  })
  @ApiOkResponse({
    description: 'Rows (`SpendLogDto[]`), or with a date range one entry per day',
    schema: {
      anyOf: [
        { type: 'array', items: { $ref: getSchemaPath(SpendLogDto) } },
        { type: 'array', items: DAILY_SPEND_ENTRY_SCHEMA },
      ],
    },
  })
  async logs(@Req() request: FastifyRequest, @Query() query: SpendLogsQueryDto): Promise<SpendLogView[] | DailySpendEntry[]> {
    const scope = spendScopeOf(request.auth, '/spend/logs');
    const filter = filterOf(query);
    const range = parseDayRange(query.start_date, query.end_date, { required: false });
    if (range) return this.reports.dailySpend(scope, filter, range);
    return this.reports.listLogs(scope, filter, { limit: query.limit ?? MAX_SPEND_LOG_PAGE, page: query.page ?? 1 });
  }

  @Get('/spend/logs/export')
  @Route(RouteClass.Management, 'spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Export spend logs (oldest first) as a CSV or NDJSON download, streamed; proxy admins only' })
  @ApiOkResponse({
    description: 'A download: CSV with a header row (arrays and objects as JSON), or NDJSON, one spend log per line',
    content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { $ref: getSchemaPath(SpendLogDto) } } },
  })
  async export(@Req() request: FastifyRequest, @Query() query: SpendExportQueryDto): Promise<StreamableFile> {
    requireWholeProxyScope(request.auth, '/spend/logs/export');
    const range = parseDayRange(query.start_date, query.end_date, { required: false });
    const exported = await this.exporter.open(query.format ?? 'csv', filterOf(query), range);
    return new StreamableFile(exported.stream, { type: exported.contentType, disposition: `attachment; filename="${exported.fileName}"` });
  }

  @Get('/spend/tags')
  @Route(RouteClass.Management, 'spend_tracking_routes', 'internal_user_routes', 'info_routes')
  @ApiOperation({ summary: 'Spend per request tag, highest first (all time, or start_date..end_date)' })
  @ApiOkResponse({ type: [TagSpendDto] })
  tags(@Req() request: FastifyRequest, @Query() query: SpendLogsQueryDto): Promise<TagSpend[]> {
    const scope = spendScopeOf(request.auth, '/spend/tags');
    return this.reports.tagSpend(scope, parseDayRange(query.start_date, query.end_date, { required: false }));
  }

  @Post('/spend/calculate')
  @Route(RouteClass.Management, 'spend_tracking_routes', 'internal_user_routes')
  @HttpCode(200)
  @ApiOperation({ summary: "Cost of a prompt ({model, messages}) or of a finished completion ({completion_response}) at this proxy's prices" })
  @ApiBody({ type: SpendCalculateDto })
  @ApiOkResponse({ type: SpendCostDto })
  calculate(@Body() body: SpendCalculateDto): { cost: number } {
    return this.calculator.calculate(body ?? {});
  }

  @Get('/spend/keys')
  @Route(RouteClass.Management, 'spend_tracking_routes', 'internal_user_routes', 'info_routes')
  @ApiOperation({ summary: "Virtual keys with their spend, highest first (a non-admin caller's own keys only)" })
  @ApiOkResponse({ type: [KeySpendRowDto] })
  keys(@Req() request: FastifyRequest, @Query() query: TopListQueryDto): Promise<KeySpendRow[]> {
    return this.reports.keysWithSpend(spendScopeOf(request.auth, '/spend/keys'), query.limit ?? DEFAULT_LIST_LIMIT);
  }

  @Get('/spend/users')
  @Route(RouteClass.Management, 'spend_tracking_routes', 'internal_user_routes', 'info_routes')
  @ApiOperation({ summary: "Internal users with their spend, highest first, or one with ?user_id= (a non-admin caller's own only)" })
  @ApiOkResponse({ type: [UserSpendRowDto] })
  users(@Req() request: FastifyRequest, @Query() query: SpendUsersQueryDto): Promise<UserSpendRow[]> {
    return this.reports.usersWithSpend(spendScopeOf(request.auth, '/spend/users'), query.user_id, query.limit ?? DEFAULT_LIST_LIMIT);
  }

  @Get('/global/spend/report')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Daily spend per team or customer (per model and key), or per key with model details; start_date & end_date required' })
  @ApiOkResponse({
    description:
      'group_by=team (default): `TeamSpendReportDayDto[]`; group_by=customer: `CustomerSpendReportDayDto[]`; group_by=api_key, api_key= or internal_user_id=: `KeySpendReportDto[]`',
    schema: {
      anyOf: [
        { type: 'array', items: { $ref: getSchemaPath(TeamSpendReportDayDto) } },
        { type: 'array', items: { $ref: getSchemaPath(CustomerSpendReportDayDto) } },
        { type: 'array', items: { $ref: getSchemaPath(KeySpendReportDto) } },
      ],
    },
  })
  globalReport(@Req() request: FastifyRequest, @Query() query: GlobalSpendReportQueryDto): Promise<TeamSpendReportDay[] | CustomerSpendReportDay[] | KeySpendReportEntry[]> {
    requireWholeProxyScope(request.auth, '/global/spend/report');
    const range = parseDayRange(query.start_date, query.end_date, { required: true });
    if (!range) throw new Error('unreachable: a required range is never null');
    if (query.api_key || query.internal_user_id || query.group_by === 'api_key') {
      return this.reports.keyReport(range, { apiKey: query.api_key, internalUserId: query.internal_user_id });
    }
    return this.reports.groupedReport(range, query.group_by ?? 'team');
  }

  @Get('/global/spend/keys')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Top keys by spend over the last 30 days' })
  @ApiOkResponse({ type: [GlobalKeySpendDto] })
  globalKeys(@Req() request: FastifyRequest, @Query() query: TopListQueryDto): Promise<GlobalKeySpend[]> {
    requireWholeProxyScope(request.auth, '/global/spend/keys');
    return this.reports.topKeys(query.limit ?? DEFAULT_TOP_KEYS);
  }

  @Get('/global/spend/models')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Top models by spend over the last 30 days' })
  @ApiOkResponse({ type: [GlobalModelSpendDto] })
  globalModels(@Req() request: FastifyRequest, @Query() query: TopListQueryDto): Promise<GlobalModelSpend[]> {
    requireWholeProxyScope(request.auth, '/global/spend/models');
    return this.reports.topModels(query.limit ?? DEFAULT_TOP_MODELS);
  }

  @Get('/global/spend/teams')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Daily spend per team alias over the last 30 days' })
  @ApiOkResponse({ type: TeamSpendOverviewDto })
  globalTeams(@Req() request: FastifyRequest): Promise<TeamSpendOverview> {
    requireWholeProxyScope(request.auth, '/global/spend/teams');
    return this.reports.teamOverview();
  }

  @Get('/global/spend/tags')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Spend per tag in start_date..end_date (required), optionally for the comma-separated tags' })
  @ApiOkResponse({ type: GlobalTagSpendDto })
  globalTags(@Req() request: FastifyRequest, @Query() query: GlobalTagsQueryDto): Promise<GlobalTagSpend> {
    requireWholeProxyScope(request.auth, '/global/spend/tags');
    const range = parseDayRange(query.start_date, query.end_date, { required: true });
    if (!range) throw new Error('unreachable: a required range is never null');
    const tags = query.tags
      ? query.tags
          .split(',')
          .map((tag) => tag.trim())
          .filter((tag) => tag !== '')
      : null;
    return this.reports.tagSpendForUi(range, tags && tags.length > 0 ? tags : null);
  }

  @Post('/global/spend/end_users')
  @Route(RouteClass.Management, 'global_spend_tracking_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Top 100 end users (customers) by spend in a window (default: last 30 days), optionally for one key' })
  @ApiBody({ type: GlobalEndUsersDto, required: false })
  @ApiOkResponse({ type: [GlobalEndUserSpendDto] })
  globalEndUsers(@Req() request: FastifyRequest, @Body() body: GlobalEndUsersDto): Promise<GlobalEndUserSpend[]> {
    requireWholeProxyScope(request.auth, '/global/spend/end_users');
    return this.endUsers(body ?? {});
  }

  @Get('/global/spend/end_users')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Same as POST /global/spend/end_users, with the fields as query parameters' })
  @ApiOkResponse({ type: [GlobalEndUserSpendDto] })
  globalEndUsersByQuery(@Req() request: FastifyRequest, @Query() query: GlobalEndUsersDto): Promise<GlobalEndUserSpend[]> {
    requireWholeProxyScope(request.auth, '/global/spend/end_users');
    return this.endUsers(query);
  }

  private endUsers(window: GlobalEndUsersDto): Promise<GlobalEndUserSpend[]> {
    const to = window.endTime ? parseBound(window.endTime, 'endTime', 'upper') : new Date();
    const from = window.startTime ? parseBound(window.startTime, 'startTime', 'lower') : new Date(to.getTime() - 30 * DAY_MS);
    return this.reports.topEndUsers(from, to, window.api_key);
  }
}

function filterOf(query: { request_id?: string; api_key?: string; user_id?: string; team_id?: string }): SpendLogFilter {
  return { requestId: query.request_id, apiKey: query.api_key, userId: query.user_id, teamId: query.team_id };
}
