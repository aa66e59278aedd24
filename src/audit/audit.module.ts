import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller';
import { AuditDenialRecorder } from './audit-denials';
import { AuditLogService } from './audit-log.service';
import { AuditQueryService } from './audit-query.service';
import { AuditRetentionService } from './audit-retention.service';
import { AuditVerifier } from './audit-verifier.service';
import { AuditedMutationInterceptor } from './audited-mutation.interceptor';

/** Audit logs: rows written in the transaction of each audited change, retention, verification, and the read API. */
@Module({
  controllers: [AuditController],
  providers: [AuditLogService, AuditQueryService, AuditVerifier, AuditRetentionService, AuditDenialRecorder, { provide: APP_INTERCEPTOR, useClass: AuditedMutationInterceptor }],
  exports: [AuditLogService, AuditDenialRecorder],
})
export class AuditModule {}
