import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';
import { LimitsService } from '../limits/limits.service';
import { STORE_HEALTH, type StoreHealth } from '../store/counter-store';

/** Apps alive in this process (one in production; tests boot several). */
const live = new Set<SharedStoreMetrics>();

/** Registered once per process in the default registry, which the /metrics route serves. */
function registerMetrics(): void {
  if (register.getSingleMetric('tollgate_shared_store_up')) return;
  new Gauge({
    name: 'tollgate_shared_store_up',
    help: 'Whether the store of limits, budgets and router state can be reached (1) or not (0); store="memory" is one instance',
    labelNames: ['store'],
    collect() {
      this.reset();
      for (const metrics of live) this.set({ store: metrics.health.kind }, metrics.health.healthy ? 1 : 0);
    },
  });
  let reported = 0;
  new Counter({
    name: 'tollgate_shared_store_degraded_calls_total',
    help: 'Governed calls refused (redis_failure_mode fail_closed) or admitted without limit and budget checks (fail_open) because the shared store was unreachable',
    collect() {
      let total = 0;
      for (const metrics of live) total += metrics.limits.degradedCalls;
      if (total > reported) this.inc(total - reported);
      reported = Math.max(reported, total);
    },
  });
}

/** The shared store's state as metrics: alert on `tollgate_shared_store_up == 0` and a growing degraded count. */
@Injectable()
export class SharedStoreMetrics implements OnModuleDestroy {
  constructor(
    @Inject(STORE_HEALTH) readonly health: StoreHealth,
    readonly limits: LimitsService,
  ) {
    registerMetrics();
    live.add(this);
  }

  onModuleDestroy(): void {
    live.delete(this);
  }
}
