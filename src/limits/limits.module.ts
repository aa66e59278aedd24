import { SpendModule } from '../spend/spend.module';
import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { KeysModule } from '../keys/keys.module';
import { TeamsModule } from '../teams/teams.module';
import { BudgetCounterService } from './budget-counter.service';
import { COUNTER_STORE } from './counter-store';
import { InMemoryCounterStore } from './in-memory-counter-store';
import { LimitsService } from './limits.service';

@Module({
  imports: [KeysModule, CustomersModule, TeamsModule, SpendModule],
  providers: [{ provide: COUNTER_STORE, useClass: InMemoryCounterStore }, BudgetCounterService, LimitsService],
  exports: [LimitsService],
})
export class LimitsModule {}
