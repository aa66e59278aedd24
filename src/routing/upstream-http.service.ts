import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, Dispatcher } from 'undici';
import { currentTraceHeaders } from '../common/trace-headers';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import type { Deployment } from './deployment';
import { EgressPolicy, EgressPolicyRefusedCallError, egressRefusalOf } from './egress-policy';
import { ReadableBody, readTextWithin, ResponseSizeLimit, streamWithin } from './response-size-limit';

const CONNECT_TIMEOUT_MS = 10_000;

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

/** The deployment a call is for: which client dials (configured or request-chosen base) and whom a refusal names. */
export type UpstreamCaller = Pick<Deployment, 'id' | 'modelName' | 'clientSupplied'>;

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

  /** For configured and stored deployments: every dial is checked against `general_settings.egress_policy`. */
  private readonly agent: Agent;

  /**
   * For base URLs a request supplied (client-side credentials): every connection re-resolves the host and refuses
   * loopback, private, link-local and metadata addresses (and what the egress policy refuses), so a name that
   * passed the check cannot be re-pointed inside the network between the check and the connection (DNS rebinding).
   */
  private readonly guardedAgent: Agent;

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig) {
    const maxMb = config.general_settings.max_response_size_mb;
    this.responseLimit = maxMb === undefined ? undefined : new ResponseSizeLimit(maxMb);
    const egress = new EgressPolicy(config.general_settings.egress_policy);
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      pipelining: 1,
      // Deadlines are owned by UpstreamCallControl; the idle body timeout is set per request.
      headersTimeout: 0,
      connect: egress.connector({ timeoutMs: CONNECT_TIMEOUT_MS, publicOnly: false }),
    });
    this.guardedAgent = new Agent({
      keepAliveTimeout: 10_000,
      pipelining: 1,
      headersTimeout: 0,
      connect: egress.connector({ timeoutMs: CONNECT_TIMEOUT_MS, publicOnly: true }),
    });
  }

  /** `origin` and `path` are passed apart so no URL is parsed per call. */
  post(
    endpoint: UpstreamEndpoint,
    headers: Record<string, string>,
    body: string | Buffer,
    signal: AbortSignal,
    idleTimeoutMs: number,
    caller: UpstreamCaller,
  ): Promise<UpstreamResponse> {
    return this.request('POST', endpoint, headers, body, signal, idleTimeoutMs, caller);
  }

  /**
   * Any method; GET and DELETE serve the files API, a Buffer body multipart uploads.
   * @throws EgressPolicyRefusedCallError (502) when the egress policy refused the dial; undici's errors otherwise
   */
  async request(
    method: 'GET' | 'POST' | 'DELETE',
    endpoint: UpstreamEndpoint,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal,
    idleTimeoutMs: number,
    caller: UpstreamCaller,
  ): Promise<UpstreamResponse> {
    // A traced attempt's context goes to operator-configured upstreams only: a request-chosen host learns nothing.
    const traced = caller.clientSupplied === true ? undefined : currentTraceHeaders();
    try {
      const response = await (caller.clientSupplied === true ? this.guardedAgent : this.agent).request({
        origin: endpoint.origin,
        path: endpoint.path,
        method,
        headers: traced ? { ...headers, ...traced } : headers,
        body,
        signal,
        bodyTimeout: idleTimeoutMs,
      });
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      const refusal = egressRefusalOf(error);
      // A request-chosen base is the caller's doing: the generic connection error, as before, names no deployment.
      if (refusal && caller.clientSupplied !== true) throw new EgressPolicyRefusedCallError(caller, refusal);
      throw error;
    }
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
