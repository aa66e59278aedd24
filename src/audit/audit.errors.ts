import { DomainError } from '../common/errors/domain-error';

export class AuditLogNotFoundError extends DomainError {
  constructor(id: string) {
    super('GW_NOT_FOUND', `Audit log not found: ${id.slice(0, 64)}`, { status: 404, type: 'not_found_error', param: 'id' });
  }
}
