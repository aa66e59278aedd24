import { AuditModule } from '../audit/audit.module';
import { SpendModule } from '../spend/spend.module';
import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { RoutingModule } from '../routing/routing.module';
import { BudgetEntity } from './budget.entity';
import { BudgetsController } from './budgets.controller';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { EndUserEntity } from './end-user.entity';
import { StoreModule } from '../store/store.module';

/** End users (customers) and shared budgets: the management API and the lookups the gateway makes per request `user`. */
@Module({
  imports: [DatabaseModule.forFeature([BudgetEntity, EndUserEntity]), RoutingModule, SpendModule, AuditModule, StoreModule],
  controllers: [CustomersController, BudgetsController],
  providers: [CustomersRepository, CustomersService],
  exports: [CustomersService],
})
export class CustomersModule {}
