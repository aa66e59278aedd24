import { Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HTTP_REQUEST_DURATION, HTTP_REQUESTS_TOTAL, HttpMetrics } from './http-metrics.service';
import { MetricsController } from './metrics.controller';
import { SpendModule } from '../spend/spend.module';
import { SpendLedgerMetrics } from './spend-ledger.metrics';
import { LimitsModule } from '../limits/limits.module';
import { StoreModule } from '../store/store.module';
import { SharedStoreMetrics } from './shared-store.metrics';
import { LitellmMetrics } from './litellm-metrics';
import { CALL_OBSERVER } from './call-observer';
import { CallObservers } from './call-observers';

@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: true } }), SpendModule, StoreModule, LimitsModule],
  providers: [
    makeCounterProvider({ name: HTTP_REQUESTS_TOTAL, help: 'HTTP requests served', labelNames: ['method', 'route', 'status_code'] }),
    makeHistogramProvider({
      name: HTTP_REQUEST_DURATION,
      help: 'HTTP request duration in seconds, from request to last byte',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    }),
    HttpMetrics,
    SpendLedgerMetrics,
    SharedStoreMetrics,
    LitellmMetrics,
    CallObservers,
    { provide: CALL_OBSERVER, useExisting: CallObservers },
  ],
  exports: [HttpMetrics, CALL_OBSERVER, CallObservers],
})
export class ObservabilityModule {}
