import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { UnitOfWork } from '../database/unit-of-work';
import { actorOf, runAsActor } from './audit-actor';
import { AuditLogService } from './audit-log.service';

/**
 * Runs an `@Audited` route in one unit of work with its caller as the audit actor: the service's changes and the
 * audit rows it writes commit together, or roll back together when anything in the handler throws.
 * Other routes pass through untouched (the LLM path never opens a transaction here).
 */
@Injectable()
export class AuditedMutationInterceptor implements NestInterceptor {
  constructor(
    private readonly db: UnitOfWork,
    private readonly audit: AuditLogService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.audit.enabled || !request.routeDeclaration?.audited) return next.handle();
    const actor = actorOf(request);
    // next.handle() is called inside the scope: Nest binds the handler to the async context it is created in.
    return from(this.db.run(() => runAsActor(actor, () => lastValueFrom(next.handle(), { defaultValue: undefined }))));
  }
}
