import type { TollgateConfig } from '../config/config.types';
import type { UnitOfWork } from '../database/unit-of-work';
import { AuditLogService } from './audit-log.service';

/** For unit specs of services that write audit rows: the real service with `store_audit_logs` off, so it never touches a database. */
export function auditLogOff(): AuditLogService {
  return new AuditLogService(undefined as unknown as UnitOfWork, { litellm_settings: {}, general_settings: {} } as unknown as TollgateConfig);
}
