import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AuditedTable } from '../common/access/route-class';
import { actorOf } from './audit-actor';
import { AuditLogService } from './audit-log.service';
import { DENIED_REQUEST_LIMITS, storableValue } from './audit-storable';

/** The request fields naming the object of a change, per table (LiteLLM's body and path names). */
const OBJECT_ID_FIELDS: Record<AuditedTable, readonly string[]> = {
  LiteLLM_VerificationToken: ['key', 'keys', 'token', 'key_alias', 'key_aliases'],
  LiteLLM_TeamTable: ['team_id', 'team_ids'],
  LiteLLM_UserTable: ['user_id', 'user_ids'],
  LiteLLM_OrganizationTable: ['organization_id', 'organization_ids'],
  LiteLLM_EndUserTable: ['user_id', 'user_ids', 'end_user_id'],
  LiteLLM_BudgetTable: ['budget_id', 'id'],
  LiteLLM_ProxyModelTable: ['model_id', 'id'],
  LiteLLM_Config: ['param_name'],
};

/**
 * Writes a `denied` row for each refused attempt (401/403) at an `@Audited` route. Guards refuse before any
 * interceptor runs, so this hangs off the exception path. The row is written after the response, outside any
 * transaction (there is no change to join); a failure to write it is logged with the facts, never the secrets.
 */
@Injectable()
export class AuditDenialRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly audit: AuditLogService) {}

  observe(request: FastifyRequest, status: number): void {
    const table = request.routeDeclaration?.audited;
    if (!this.audit.enabled || !table || (status !== 401 && status !== 403)) return;
    const actor = actorOf(request);
    const attempt = this.audit
      .record(
        {
          table,
          objectId: objectIdOf(request, table),
          action: 'denied',
          // Whatever the body holds (NULs, deep nesting, megabytes), the row keeps a storable excerpt of it.
          updatedValues: { status, request_body: isRecord(request.body) ? storableValue(request.body, DENIED_REQUEST_LIMITS) : null },
        },
        actor,
      )
      .catch((error: unknown) => {
        this.logger.error(
          `denied attempt at ${actor.route} by ${actor.changedBy ?? 'an unauthenticated caller'} not recorded: ${error instanceof Error ? error.name : typeof error}`,
        );
      })
      .finally(() => this.pending.delete(attempt));
    this.pending.add(attempt);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.pending);
  }
}

/** The object a refused request aimed at; a plaintext key is recorded as its hash, the only form rows ever hold. */
export function objectIdOf(request: FastifyRequest, table: AuditedTable): string | null {
  const sources = [request.params, request.body, request.query].filter(isRecord);
  for (const field of OBJECT_ID_FIELDS[table]) {
    for (const source of sources) {
      const value = source[field];
      const ids = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string' && item !== '');
      if (ids.length) return ids.map((id) => (id.startsWith('sk-') ? createHash('sha256').update(id).digest('hex') : id.slice(0, 256))).join(',');
    }
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
