import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { SpendLedgerService } from '../spend/spend-ledger.service';

/** Ledgers of the apps alive in this process (one in production; tests boot several). */
const liveLedgers = new Set<SpendLedgerService>();

function total(read: (status: ReturnType<SpendLedgerService['status']>) => number): number {
  let sum = 0;
  for (const ledger of liveLedgers) sum += read(ledger.status());
  return sum;
}

/** Registered once per process in the default registry, which the /metrics route serves. */
function registerGauges(): void {
  if (register.getSingleMetric('tollgate_spend_ledger_queued_rows')) return;
  new Gauge({
    name: 'tollgate_spend_ledger_queued_rows',
    help: 'Spend rows recorded and held in memory, not yet in the database',
    collect() {
      this.set(total((status) => status.queuedRows));
    },
  });
  new Gauge({
    name: 'tollgate_spend_ledger_journal_bytes',
    help: 'Bytes of spend journal not yet recycled (rows not yet in the database, or the current segment)',
    collect() {
      this.set(total((status) => status.journalBytes));
    },
  });
  new Gauge({
    name: 'tollgate_spend_ledger_outage_seconds',
    help: 'How long spend rows have been failing to reach the database (0 when they are written)',
    collect() {
      const now = Date.now();
      this.set(Math.max(0, ...[...liveLedgers].map((ledger) => ledger.status().outageSince).map((since) => (since ? (now - since.getTime()) / 1000 : 0))));
    },
  });
}

/**
 * The spend ledger's backlog, read at scrape time: rows waiting for the database and journal bytes not yet
 * recycled grow during a database outage and fall back to ~0 when it is over, which is what to alert on.
 */
@Injectable()
export class SpendLedgerMetrics implements OnModuleDestroy {
  constructor(private readonly ledger: SpendLedgerService) {
    registerGauges();
    liveLedgers.add(ledger);
  }

  onModuleDestroy(): void {
    liveLedgers.delete(this.ledger);
  }
}
