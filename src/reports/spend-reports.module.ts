import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PricingModule } from '../catalog/pricing.module';
import { RoutingModule } from '../routing/routing.module';
import { ModelAnalyticsController } from './model-analytics.controller';
import { ModelAnalyticsService } from './model-analytics.service';
import { SpendCalculatorService } from './spend-calculator.service';
import { SpendExportService } from './spend-export.service';
import { SpendReportsController } from './spend-reports.controller';
import { SpendReportsService } from './spend-reports.service';
import { SPEND_REPORTS_SQL, type SqlRunner } from './sql-runner';

/**
 * The read side of the spend ledger: LiteLLM's `/spend/*` and `/global/spend/*` reports, `/spend/calculate`,
 * the streaming `/spend/logs/export`, and per-model analytics (`/model/analytics`, `/model/metrics`). Reads the ledger's tables only; exports nothing.
 */
@Module({
  imports: [PricingModule, RoutingModule],
  controllers: [SpendReportsController, ModelAnalyticsController],
  providers: [
    {
      provide: SPEND_REPORTS_SQL,
      useFactory: (dataSource: DataSource): SqlRunner => ({
        query: <Row>(sql: string, parameters?: readonly unknown[]) => dataSource.query<Row[]>(sql, parameters ? [...parameters] : undefined),
      }),
      inject: [DataSource],
    },
    SpendReportsService,
    ModelAnalyticsService,
    SpendExportService,
    SpendCalculatorService,
  ],
})
export class SpendReportsModule {}
