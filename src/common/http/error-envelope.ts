import { HttpException } from '@nestjs/common';
import { isConnectionFailure } from '../errors/connection-failure';
import { DomainError, type ErrorCode } from '../errors/domain-error';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

export interface RenderedError {
  status: number;
  /** Stable internal code for logs and metrics. */
  internalCode: ErrorCode | string;
  body: OpenAiErrorBody;
  headers?: Record<string, string>;
  /** True when the client sees a generic text and the real cause must be logged. */
  unexpected: boolean;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

function envelope(status: number, message: string, type: string, param: string | null): OpenAiErrorBody {
  return { error: { message, type, param, code: String(status) } };
}

function typeForStatus(status: number): string {
  if (status === 401 || status === 403) return 'auth_error';
  if (status === 404) return 'not_found_error';
  if (status === 408) return 'timeout_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'internal_server_error';
  return 'invalid_request_error';
}

/**
 * Turns anything thrown while serving a request into the OpenAI error envelope with
 * HTTP status = int(code). Only DomainError and framework HTTP errors keep their message;
 * anything else is an unexpected failure whose text could leak internals, so the client
 * gets a generic message and the cause goes to the log.
 */
export function renderError(error: unknown): RenderedError {
  if (error instanceof DomainError) {
    return {
      status: error.status,
      internalCode: error.code,
      body: envelope(error.status, error.message, error.type, error.param),
      headers: error.headers,
      unexpected: false,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    let message = error.message;
    if (typeof response === 'object' && response !== null && 'message' in response) {
      const inner = (response as { message: unknown }).message;
      message = Array.isArray(inner) ? inner.join('; ') : String(inner);
    }
    return {
      status,
      internalCode: status === 404 ? 'GW_NOT_FOUND' : `HTTP_${status}`,
      body: envelope(status, message, typeForStatus(status), null),
      unexpected: status >= 500,
    };
  }
  const fastifyError = fastifyErrorOf(error);
  if (fastifyError) return fastifyError;
  if (isConnectionFailure(error)) {
    // Not the client's fault and not a bug: the database went away (restart, failover). Clients retry a 503.
    return {
      status: 503,
      internalCode: 'GW_BACKEND_UNREACHABLE',
      body: envelope(503, 'The gateway cannot reach its database or another backing service right now. Retry shortly.', 'service_unavailable_error', null),
      headers: { 'retry-after': '1' },
      unexpected: true,
    };
  }
  return {
    status: 500,
    internalCode: 'GW_INTERNAL',
    body: envelope(500, 'Internal Server Error', 'internal_server_error', null),
    unexpected: true,
  };
}

/** Errors Fastify raises itself (body parsing, content types) before Nest sees the request. */
function fastifyErrorOf(error: unknown): RenderedError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as FastifyLikeError;
  if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  const status = typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : 400;
  const messages: Record<string, string> = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type; send application/json.',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty; expected a JSON object.',
    FST_ERR_CTP_INVALID_JSON_BODY: 'Invalid JSON in request body.',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Request body length does not match Content-Length.',
  };
  const message = messages[code] ?? (code.startsWith('FST_ERR_CTP') ? 'Malformed request body.' : 'Bad request.');
  const finalStatus = code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : status === 413 ? 400 : status;
  return {
    status: finalStatus,
    internalCode: code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'GW_INVALID_JSON' : 'GW_BAD_REQUEST',
    body: envelope(finalStatus, message, 'invalid_request_error', null),
    unexpected: false,
  };
}
