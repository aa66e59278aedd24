import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { extractApiKey } from '../common/access/api-key.extractor';
import { MASTER_KEY_USER_ID } from '../common/access/caller';
import { templateOf } from '../common/http/request-route';

/** Who made a change and through which request: the part of an audit row the service writing it does not know. */
export interface AuditActor {
  readonly changedBy: string | null;
  readonly changedByApiKey: string | null;
  readonly requestId: string | null;
  readonly clientIp: string | null;
  readonly route: string | null;
}

/** Work the gateway does on its own (retention), not on anyone's request. */
export const SYSTEM_ACTOR: AuditActor = Object.freeze({ changedBy: 'tollgate-system', changedByApiKey: null, requestId: null, clientIp: null, route: null });

const actors = new AsyncLocalStorage<AuditActor>();

export function currentActor(): AuditActor {
  return actors.getStore() ?? SYSTEM_ACTOR;
}

export function runAsActor<T>(actor: AuditActor, work: () => Promise<T>): Promise<T> {
  return actors.run(actor, work);
}

/**
 * The actor of a request: the authenticated user (the master key is LiteLLM's `default_user_id`), replaced by
 * the `litellm-changed-by` header when a proxy admin sends it (an admin UI acting for a person). A refused caller
 * was not authenticated, so its row names the hash of whatever key it presented.
 */
export function actorOf(request: FastifyRequest): AuditActor {
  const auth = request.auth;
  const header = request.headers['litellm-changed-by'];
  const onBehalfOf = typeof header === 'string' && header.trim() !== '' && auth?.role === 'proxy_admin' ? header.trim().slice(0, 256) : null;
  let apiKeyHash = auth?.apiKeyHash ?? null;
  if (!auth) {
    const presented = extractApiKey(request.headers);
    apiKeyHash = 'key' in presented ? createHash('sha256').update(presented.key).digest('hex') : null;
  }
  const userId = auth?.userId ?? (auth?.method === 'master_key' ? MASTER_KEY_USER_ID : null);
  return {
    changedBy: onBehalfOf ?? userId,
    changedByApiKey: apiKeyHash,
    requestId: request.id,
    clientIp: request.clientIp ?? request.ip ?? null,
    route: `${request.method} ${templateOf(request)}`,
  };
}
