import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { SpendModule } from '../spend/spend.module';
import { ALERT_DELIVERY, AlertSender } from './alert-sender';
import { AlertingService } from './alerting.service';
import { SentAlerts } from './sent-alerts';

/**
 * LiteLLM-compatible alerting (`general_settings.alerting`). It registers itself with observability's
 * CallObservers, so the pipeline (which knows only CALL_OBSERVER) and observability import nothing of it.
 */
@Module({
  imports: [ObservabilityModule, SpendModule],
  providers: [{ provide: ALERT_DELIVERY, useValue: null }, AlertSender, SentAlerts, AlertingService],
  exports: [AlertingService],
})
export class AlertingModule {}
