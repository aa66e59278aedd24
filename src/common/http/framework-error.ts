import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenAiErrorBody } from './error-envelope';
import { securityHeadersFor } from './security-headers';

/** What the router refuses, by Fastify's code; anything else it reports here is an internal failure. */
const ROUTER_REFUSALS: Readonly<Record<string, readonly [status: number, message: string]>> = {
  FST_ERR_BAD_URL: [400, 'Invalid request path: it is not valid percent-encoded UTF-8.'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'Request path is too long.'],
};

/**
 * Answers what Fastify's router refuses before any hook runs: a path that is not valid percent-encoded UTF-8
 * (`/pt/%c0%ae%c0%ae/x`, `/%ff`) or a path parameter over the length limit. Fastify's own answers have another
 * shape and quote the path back; these are the OpenAI envelope with the request id and the security headers, and
 * name no part of the path.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const refusal = ROUTER_REFUSALS[error.code];
  const [status, message] = refusal ?? [500, 'Internal Server Error'];
  const type = refusal ? 'invalid_request_error' : 'internal_server_error';
  const body: OpenAiErrorBody = { error: { message, type, param: refusal ? 'path' : null, code: String(status) } };
  reply.code(status).headers(securityHeadersFor('/')).header('x-request-id', request.id).send(body);
}
