import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { EmailModule } from '../email/email.module';
import { KeysModule } from '../keys/keys.module';
import { SpendModule } from '../spend/spend.module';
import { TeamsModule } from '../teams/teams.module';
import { ALERT_DELIVERY, AlertSender } from './alert-sender';
import { AlertingMetrics } from './alerting.metrics';
import { AlertingService } from './alerting.service';
import { SentAlerts } from './sent-alerts';
import { SpendReports } from './spend-report';

/**
 * LiteLLM-compatible alerting (`general_settings.alerting`). It registers itself with observability's
 * CallObservers and with KeysService's key_created listeners, so the pipeline (which knows only CALL_OBSERVER),
 * observability and keys import nothing of it.
 */
@Module({
  imports: [ObservabilityModule, SpendModule, KeysModule, EmailModule, TeamsModule],
  providers: [{ provide: ALERT_DELIVERY, useValue: null }, AlertSender, SentAlerts, AlertingService, AlertingMetrics, SpendReports],
  exports: [AlertingService],
})
export class AlertingModule {}
