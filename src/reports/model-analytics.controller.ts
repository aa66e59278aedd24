import { Controller, Get, Query, Req, UsePipes } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { requestValidationPipe } from '../common/http/request-validation.pipe';
import { ModelAnalyticsDailyDto, ModelAnalyticsDailyQueryDto, ModelAnalyticsDto, ModelMetricsDto, ModelMetricsQueryDto } from './dto/model-analytics.dto';
import { DateRangeQueryDto } from './dto/spend-report-query.dto';
import type { ModelAnalyticsDay, ModelAnalyticsEntry, ModelMetrics } from './model-analytics';
import { ModelAnalyticsService } from './model-analytics.service';
import { parseBound, parseDayRange, recentDays, type DayRange } from './report-dates';
import { requireWholeProxyScope } from './spend-scope';

/** What the models page shows without a range, as LiteLLM's dashboard does. */
const DEFAULT_WINDOW_DAYS = 30;

/**
 * Per-model analytics from the spend ledger (requests, failures, latency, latency per output token, spend,
 * tokens), for the Admin UI's models page, and LiteLLM's `/model/metrics`. Proxy admins and admin viewers only,
 * like `/global/spend/*`: they describe the whole proxy.
 */
@ApiTags('Spend')
@Controller()
@UsePipes(requestValidationPipe({ allowUnknownFields: true }))
export class ModelAnalyticsController {
  constructor(private readonly analytics: ModelAnalyticsService) {}

  @Get('/model/analytics')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Per model group: requests, failures, average latency and latency per output token, spend, tokens (default: the last 30 days)' })
  @ApiOkResponse({ type: ModelAnalyticsDto })
  async byModelGroup(@Req() request: FastifyRequest, @Query() query: DateRangeQueryDto): Promise<{ data: ModelAnalyticsEntry[] }> {
    requireWholeProxyScope(request.auth, '/model/analytics');
    return { data: await this.analytics.byModelGroup(rangeOf(query.start_date, query.end_date)) };
  }

  @Get('/model/analytics/daily')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: 'Per day (every day of the range): requests, failures, latency, latency per output token, spend; one model group or all' })
  @ApiOkResponse({ type: ModelAnalyticsDailyDto })
  async daily(@Req() request: FastifyRequest, @Query() query: ModelAnalyticsDailyQueryDto): Promise<{ data: ModelAnalyticsDay[] }> {
    requireWholeProxyScope(request.auth, '/model/analytics/daily');
    const modelGroup = query.model_group === '' ? undefined : query.model_group;
    return { data: await this.analytics.daily(rangeOf(query.start_date, query.end_date), modelGroup) };
  }

  @Get('/model/metrics')
  @Route(RouteClass.Management, 'global_spend_tracking_routes', 'info_routes')
  @ApiOperation({ summary: "LiteLLM's model metrics: average seconds per output token per day and deployment (default: the last 30 days)" })
  @ApiOkResponse({ type: ModelMetricsDto })
  metrics(@Req() request: FastifyRequest, @Query() query: ModelMetricsQueryDto): Promise<ModelMetrics> {
    requireWholeProxyScope(request.auth, '/model/metrics');
    const range = rangeOf(dayOf(query.startTime, 'startTime'), dayOf(query.endTime, 'endTime'));
    const modelGroup = query._selected_model_group === '' ? undefined : query._selected_model_group;
    return this.analytics.latencyPerToken(range, modelGroup);
  }
}

/** The given range (both days or neither), else the last 30 days up to today (UTC). */
function rangeOf(startDate: string | undefined, endDate: string | undefined): DayRange {
  return parseDayRange(startDate, endDate, { required: false }) ?? recentDays(DEFAULT_WINDOW_DAYS, new Date());
}

/** LiteLLM's clients send instants (`2024-05-01T00:00:00`); the counters are per UTC day. */
function dayOf(value: string | undefined, param: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  return parseBound(value, param, 'lower').toISOString().slice(0, 10);
}
