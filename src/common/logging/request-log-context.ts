import type { FastifyInstance } from 'fastify';
import { runInLogContext, type LogContext } from './log-context';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's log context; set only when JSON logs are on. */
    logContext: LogContext | null;
  }
}

/**
 * Every line logged while serving a request carries its id (and, once the pipeline names it, the call's). The
 * context is entered on arrival and again before validation: the body is read on the socket's events, which run
 * outside the request's async context.
 */
export function carryLogContext(fastify: FastifyInstance): void {
  fastify.decorateRequest('logContext', null);
  fastify.addHook('onRequest', (request, _reply, done) => {
    const context: LogContext = { requestId: request.id };
    request.logContext = context;
    runInLogContext(context, done);
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (request.logContext) runInLogContext(request.logContext, done);
    else done();
  });
}
