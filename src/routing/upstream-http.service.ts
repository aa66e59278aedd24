import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, Dispatcher } from 'undici';
import { forbiddenAddressReason } from './ssrf-guard';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { ReadableBody, readTextWithin, ResponseSizeLimit, streamWithin } from './response-size-limit';

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
 * hot path reuses warm connections instead of paying a TCP (and TLS) handshake per request. It also owns
 * `general_settings.max_response_size_mb`, so adapters read bodies through it and never see config.
 */
@Injectable()
export class UpstreamHttp implements OnApplicationShutdown {
  /** Undefined when `max_response_size_mb` is not set: LiteLLM sets no limit either. */
  readonly responseLimit: ResponseSizeLimit | undefined;

  private readonly agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    pipelining: 1,
    // Deadlines are owned by UpstreamCallControl; the idle body timeout is set per request.
    headersTimeout: 0,
    connect: { timeout: 10_000 },
  });

  /**
   * For base URLs a request supplied (client-side credentials): every connection re-resolves the host and refuses
   * loopback, private, link-local and metadata addresses, so a name that passed the check cannot be re-pointed
   * inside the network between the check and the connection (DNS rebinding).
   */
  private readonly guardedAgent = new Agent({
    keepAliveTimeout: 10_000,
    pipelining: 1,
    headersTimeout: 0,
    connect: { timeout: 10_000, lookup: publicOnlyLookup },
  });

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig) {
    const maxMb = config.general_settings.max_response_size_mb;
    this.responseLimit = maxMb === undefined ? undefined : new ResponseSizeLimit(maxMb);
  }

  /** `origin` and `path` are passed apart so no URL is parsed per call. */
  post(
    endpoint: UpstreamEndpoint,
    headers: Record<string, string>,
    body: string | Buffer,
    signal: AbortSignal,
    idleTimeoutMs: number,
    clientSupplied = false,
  ): Promise<UpstreamResponse> {
    return this.request('POST', endpoint, headers, body, signal, idleTimeoutMs, clientSupplied);
  }

  /** Any method; GET and DELETE serve the files API, a Buffer body multipart uploads. */
  async request(
    method: 'GET' | 'POST' | 'DELETE',
    endpoint: UpstreamEndpoint,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal,
    idleTimeoutMs: number,
    clientSupplied = false,
  ): Promise<UpstreamResponse> {
    const response = await (clientSupplied ? this.guardedAgent : this.agent).request({
      origin: endpoint.origin,
      path: endpoint.path,
      method,
      headers,
      body,
      signal,
      bodyTimeout: idleTimeoutMs,
    });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  }

  /**
   * The whole body of a successful response as text, within `max_response_size_mb`.
   * @throws ResponseTooLargeError, after aborting the upstream request
   */
  readText(response: UpstreamResponse): Promise<string> {
    if (!this.responseLimit) return response.body.text();
    return readTextWithin(response.body as ReadableBody, response.headers['content-length'], this.responseLimit);
  }

  /** A streamed body to iterate, which throws ResponseTooLargeError once it is over `max_response_size_mb`. */
  streamBody(response: UpstreamResponse): AsyncIterable<Buffer> {
    return this.responseLimit ? streamWithin(response.body, this.responseLimit) : response.body;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.agent.close(), this.guardedAgent.close()]);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `dns.lookup` that fails for any address a caller-chosen URL must not reach. */
function publicOnlyLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const forbidden = list.map((entry) => forbiddenAddressReason(entry.address)).find((reason) => reason !== null);
    if (forbidden) return callback(Object.assign(new Error(`refused to connect: ${forbidden}`), { code: 'EACCES' }), []);
    const wantsAll = (options as { all?: boolean }).all === true;
    return wantsAll ? callback(null, list) : callback(null, list[0].address, list[0].family);
  });
}
