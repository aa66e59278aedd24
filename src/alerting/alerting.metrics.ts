import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';
import { AlertSender } from './alert-sender';
import { AlertingService } from './alerting.service';

/** Apps alive in this process (one in production; tests boot several). */
const live = new Set<AlertingMetrics>();

/** Registered once per process in the default registry, which the /metrics route serves. */
function registerMetrics(): void {
  if (register.getSingleMetric('tollgate_alerts_sent_total')) return;
  const deliveries = (outcome: 'sent' | 'failed') =>
    function (this: Counter) {
      this.reset();
      for (const metrics of live) {
        for (const [labels, count] of metrics.sender.deliveries(outcome)) this.inc(labels, count);
      }
    };
  new Counter({
    name: 'tollgate_alerts_sent_total',
    help: 'Alerts delivered (general_settings.alerting), by alert type and channel',
    labelNames: ['alert_type', 'channel'],
    collect: deliveries('sent'),
  });
  new Counter({
    name: 'tollgate_alert_deliveries_failed_total',
    help: 'Alerts not delivered after every retry, by alert type and channel',
    labelNames: ['alert_type', 'channel'],
    collect: deliveries('failed'),
  });
  new Counter({
    name: 'tollgate_alert_queue_dropped_total',
    help: 'Settled calls or events not checked for alerts because the alert queue was full',
    collect() {
      this.reset();
      let total = 0;
      for (const metrics of live) total += metrics.alerting.dropped;
      this.inc(total);
    },
  });
  new Counter({
    name: 'tollgate_alert_calls_unwatched_total',
    help: 'Calls not watched for llm_requests_hanging because the bound of calls in flight was reached',
    collect() {
      this.reset();
      let total = 0;
      for (const metrics of live) total += metrics.alerting.unwatchedCalls;
      this.inc(total);
    },
  });
  new Gauge({
    name: 'tollgate_alert_queue_size',
    help: 'Settled calls and events waiting for the alert worker',
    collect() {
      let total = 0;
      for (const metrics of live) total += metrics.alerting.queue.size;
      this.set(total);
    },
  });
}

/** Alerting's health as metrics: deliveries by outcome, and what the bounded queue dropped. */
@Injectable()
export class AlertingMetrics implements OnModuleDestroy {
  constructor(
    readonly alerting: AlertingService,
    readonly sender: AlertSender,
  ) {
    registerMetrics();
    live.add(this);
  }

  onModuleDestroy(): void {
    live.delete(this);
  }
}
