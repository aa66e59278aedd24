import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, Dispatcher } from 'undici';

export interface UpstreamEndpoint {
  /** `http://host:port` */
  origin: string;
  /** Path and query. */
  path: string;
}

/** Splits a URL once, at configuration time, into what the Agent needs per request. */
export function toEndpoint(url: string): UpstreamEndpoint {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * The one HTTP client for provider calls: an undici Agent with keep-alive pools per origin, so the
 * hot path reuses warm connections instead of paying a TCP (and TLS) handshake per request.
 */
@Injectable()
export class UpstreamHttp implements OnApplicationShutdown {
  private readonly agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    pipelining: 1,
    // Deadlines are owned by UpstreamCallControl; the idle body timeout is set per request.
    headersTimeout: 0,
    connect: { timeout: 10_000 },
  });

  /** `origin` and `path` are passed apart so no URL is parsed per call. */
  async post(endpoint: UpstreamEndpoint, headers: Record<string, string>, body: string, signal: AbortSignal, idleTimeoutMs: number): Promise<UpstreamResponse> {
    const response = await this.agent.request({
      origin: endpoint.origin,
      path: endpoint.path,
      method: 'POST',
      headers,
      body,
      signal,
      bodyTimeout: idleTimeoutMs,
    });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}
