import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, RequestTooLargeError } from '../errors/http-errors';
import { anthropicErrorBody, rendersAnthropicErrors } from './anthropic-error';
import { renderError } from './error-envelope';
import { printablePath } from './printable-path';
import { drainRefusedBody } from './refused-body';

const MEBIBYTE = 1024 * 1024;

/**
 * The one place that turns thrown errors into HTTP responses (OpenAI envelope, status = int(code); Anthropic's
 * `{"type":"error","error":{…}}` on the Anthropic Messages routes, same status).
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  /**
   * @param maxRequestMb the body limit Fastify enforces, quoted in LiteLLM's "Request size is too large" text.
   * @param onErrorResponse told the status of each error answered (the audit log records refused changes).
   */
  constructor(
    private readonly maxRequestMb: number,
    private readonly onErrorResponse?: (request: FastifyRequest, status: number) => void,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const translated = this.translate(exception, request);
    if (translated instanceof RequestTooLargeError) drainRefusedBody(request.raw, reply);
    const status = sendError(reply, request, translated, this.logger);
    this.onErrorResponse?.(request, status);
  }

  /**
   * Fastify stops reading at the limit and reports 413; LiteLLM clients expect a 400 with this text. An unknown
   * route is answered with its path only: Nest's "Cannot GET <url>" would echo the query string, keys included.
   */
  private translate(exception: unknown, request: FastifyRequest): unknown {
    if (exception instanceof NotFoundException && request.routeOptions.url === undefined) {
      return new NotFoundError(`Cannot ${request.method} ${printablePath(request.url)}`);
    }
    if (!(exception instanceof HttpException) || exception.getStatus() !== HttpStatus.PAYLOAD_TOO_LARGE) return exception;
    const declared = Number(request.headers['content-length']);
    const sizeMb = Number.isFinite(declared) && declared > 0 ? declared / MEBIBYTE : this.maxRequestMb;
    return new RequestTooLargeError(sizeMb, this.maxRequestMb);
  }
}

/** @returns the status the error maps to. */
export function sendError(reply: FastifyReply, request: FastifyRequest, exception: unknown, logger: Logger): number {
  const rendered = renderError(exception);
  if (rendered.unexpected) {
    // Kind and code only: stacks and driver messages may carry SQL, paths or secrets.
    const name = errorKind(exception);
    // The route template, not the URL: paths and query strings can carry keys (/key/sk-…/regenerate).
    logger.error(`request ${request.id} ${request.method} ${request.routeOptions.url ?? 'unmatched'} failed: ${rendered.internalCode} ${name}`);
  }
  if (reply.sent || reply.raw.headersSent) {
    // A stream already started: the status line is gone, so end the body instead of writing a second response.
    if (!reply.raw.writableEnded) reply.raw.end();
    return rendered.status;
  }
  reply.header('x-request-id', request.id);
  if (rendered.headers) reply.headers(rendered.headers);
  reply
    .status(rendered.status)
    .type('application/json')
    .send(rendersAnthropicErrors(request) ? anthropicErrorBody(rendered) : rendered.body);
  return rendered.status;
}

/**
 * What was thrown, without its message: the class name (which survives a realm boundary where `instanceof Error`
 * does not) and a driver or system error code such as ECONNREFUSED or 57P01 when there is one.
 */
export function errorKind(exception: unknown): string {
  if (typeof exception !== 'object' || exception === null) return typeof exception;
  const className = (exception as { constructor?: { name?: unknown } }).constructor?.name;
  const code = (exception as { code?: unknown }).code;
  const kind = typeof className === 'string' && className !== '' ? className : 'object';
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/i.test(code) ? `${kind} ${code}` : kind;
}
