import type { FastifyRequest } from 'fastify';

/** The request path without its query string. */
export function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query < 0 ? request.url : request.url.slice(0, query);
}

/** The route template in LiteLLM's notation: `/key/{key}/regenerate`. */
export function templateOf(request: FastifyRequest): string {
  return (request.routeOptions.url ?? pathOf(request)).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
