import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export const HTTP_REQUESTS_TOTAL = 'tollgate_http_requests_total';
export const HTTP_REQUEST_DURATION = 'tollgate_http_request_duration_seconds';

/**
 * Request count and latency per route template (never the raw URL, which would explode label
 * cardinality with ids and query strings). Recorded from Fastify's onResponse hook, off the handler path.
 */
@Injectable()
export class HttpMetrics {
  constructor(
    @InjectMetric(HTTP_REQUESTS_TOTAL) private readonly requests: Counter<'method' | 'route' | 'status_code'>,
    @InjectMetric(HTTP_REQUEST_DURATION) private readonly duration: Histogram<'method' | 'route' | 'status_code'>,
  ) {}

  record(method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method, route, status_code: String(statusCode) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }
}
