import { Module } from '@nestjs/common';
import { SpendLedgerService } from './spend-ledger.service';
import { SpendLedgerWriter } from './spend-ledger.writer';
import { SpendRetentionService } from './spend-retention.service';

/**
 * The spend ledger: rows and the counters they add to. It depends only on the database, so keys, teams,
 * customers, limits and the gateway can all depend on it.
 */
@Module({
  providers: [SpendLedgerWriter, SpendLedgerService, SpendRetentionService],
  exports: [SpendLedgerService],
})
export class SpendModule {}
