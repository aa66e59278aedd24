import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { RouteClass } from '../access/route-class';
import { BadRequestError } from '../errors/http-errors';

const NUL = '\u0000';

/**
 * Top-level fields of an LLM request body that reach the database (spend rows, end-user and tag counters) or name
 * something stored. The rest of an LLM body — messages, prompts, inputs, tool schemas — goes to the provider and is
 * never stored, and a NUL in it is the user's content to send; PostgreSQL could not keep it anyway, so refusing
 * it there would only break clients that send binary-ish text.
 */
const STORED_LLM_FIELDS = ['model', 'user', 'metadata', 'litellm_metadata', 'tags', 'guardrails', 'fallbacks'] as const;

/** 400 naming the field whose text holds a NUL: PostgreSQL's text and jsonb cannot store it. */
export class NulByteError extends BadRequestError {
  constructor(field: string) {
    super(`Invalid value for '${field}': text may not contain NUL (\\u0000) characters.`, field);
  }
}

/**
 * Where the first NUL is in `value` — in a string or in an object key — as a field path (`user_ids[0]`,
 * `metadata.tag`), or null. Iterative: the walk needs no stack however deep the value is.
 */
export function nulBytePath(value: unknown, path: string): string | null {
  const pending: [unknown, string][] = [[value, path]];
  while (pending.length > 0) {
    const [current, at] = pending.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (current.includes(NUL)) return at;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push([current[i], `${at}[${i}]`]);
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [name, member] = entries[i];
        const memberPath = at ? `${at}.${printable(name)}` : printable(name);
        if (name.includes(NUL)) return memberPath;
        pending.push([member, memberPath]);
      }
    }
  }
  return null;
}

/** A field name fit for a message and `param`: the NUL shown as its escape, the length capped. */
function printable(name: string): string {
  return name.replaceAll(NUL, '\\u0000').slice(0, 100);
}

/**
 * Refuses NUL bytes in what a request would store or look up: every query parameter and path parameter, the whole
 * body of management and admin routes, and the stored fields of LLM bodies (STORED_LLM_FIELDS). One check for all
 * routes instead of one per DTO; it runs after the guards, so a refused caller is still answered (and audited) as
 * refused, and before any handler touches the database.
 * @throws NulByteError (400) naming the field.
 */
@Injectable()
export class NulByteInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const field = nulFieldOf(request);
    if (field !== null) throw new NulByteError(field);
    return next.handle();
  }
}

/** The first field of the request holding a NUL that the route would store, or null. */
export function nulFieldOf(request: Pick<FastifyRequest, 'query' | 'params' | 'body' | 'routeDeclaration'>): string | null {
  const inUrl = nulBytePath(request.params, '') ?? nulBytePath(request.query, '');
  if (inUrl !== null) return inUrl;
  const body = request.body;
  if (request.routeDeclaration?.routeClass !== RouteClass.Llm) {
    const inBody = nulBytePath(body, '');
    // A body that is itself a string has no field name.
    return inBody === '' ? 'body' : inBody;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  for (const field of STORED_LLM_FIELDS) {
    const found = nulBytePath((body as Record<string, unknown>)[field], field);
    if (found !== null) return found;
  }
  return null;
}
