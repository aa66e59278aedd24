import { Module } from '@nestjs/common';
import { StoreModule } from '../store/store.module';
import { LiveSpendService } from './live-spend.service';
import { SpendAccountsService } from './spend-accounts.service';
import { SpendLedgerService } from './spend-ledger.service';
import { SpendLedgerWriter } from './spend-ledger.writer';
import { SpendRetentionService } from './spend-retention.service';

/**
 * The spend ledger (rows and the counters they add to) and the spend accounts behind the counter store's budgets.
 * It depends only on the database and the store, so keys, teams, customers and the call pipeline can all use it.
 */
@Module({
  imports: [StoreModule],
  providers: [SpendLedgerWriter, SpendLedgerService, SpendRetentionService, SpendAccountsService, LiveSpendService],
  exports: [SpendLedgerService, LiveSpendService],
})
export class SpendModule {}
