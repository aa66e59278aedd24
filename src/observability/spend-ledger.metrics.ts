import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { SpendLedgerService } from '../spend/spend-ledger.service';

const GAUGE_NAMES = ['tollgate_spend_ledger_queued_rows', 'tollgate_spend_ledger_journal_bytes', 'tollgate_spend_ledger_outage_seconds'] as const;

/**
 * The spend ledger's backlog, read at scrape time: rows waiting for the database and journal bytes not yet
 * recycled grow during a database outage and fall back to ~0 when it is over, which is what to alert on.
 */
@Injectable()
export class SpendLedgerMetrics implements OnModuleDestroy {
  private readonly gauges: Gauge[];

  constructor(ledger: SpendLedgerService) {
    // One process may host several apps (tests): the newest app's gauges are the ones scraped.
    for (const name of GAUGE_NAMES) register.removeSingleMetric(name);
    this.gauges = [
      new Gauge({
        name: GAUGE_NAMES[0],
        help: 'Spend rows recorded and held in memory, not yet in the database',
        collect() {
          this.set(ledger.status().queuedRows);
        },
      }),
      new Gauge({
        name: GAUGE_NAMES[1],
        help: 'Bytes of spend journal not yet recycled (rows not yet in the database, or the current segment)',
        collect() {
          this.set(ledger.status().journalBytes);
        },
      }),
      new Gauge({
        name: GAUGE_NAMES[2],
        help: 'How long spend rows have been failing to reach the database (0 when they are written)',
        collect() {
          const since = ledger.status().outageSince;
          this.set(since ? (Date.now() - since.getTime()) / 1000 : 0);
        },
      }),
    ];
  }

  onModuleDestroy(): void {
    GAUGE_NAMES.forEach((name, i) => {
      if (register.getSingleMetric(name) === this.gauges[i]) register.removeSingleMetric(name);
    });
  }
}
