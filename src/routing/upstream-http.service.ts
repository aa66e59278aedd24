import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, Dispatcher, request } from 'undici';

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

  async post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal, idleTimeoutMs: number): Promise<UpstreamResponse> {
    const response = await request(url, {
      method: 'POST',
      headers,
      body,
      signal,
      dispatcher: this.agent,
      bodyTimeout: idleTimeoutMs,
    });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}
