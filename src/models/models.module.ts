import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DatabaseModule } from '../database/database.module';
import { PricingModule } from '../catalog/pricing.module';
import { RoutingModule } from '../routing/routing.module';
import { TeamsModule } from '../teams/teams.module';
import { HealthModule } from '../health/health.module';
import { ModelsController } from './models.controller';
import { ModelsRepository } from './models.repository';
import { ModelsService } from './models.service';
import { ProxyModelEntity } from './proxy-model.entity';
import { StoreModule } from '../store/store.module';

/** Model info and management (`/model/*`, `/model_group/info`), stored models kept in the routing registry. */
@Module({
  imports: [DatabaseModule.forFeature([ProxyModelEntity]), RoutingModule, PricingModule, TeamsModule, AuditModule, StoreModule, HealthModule],
  controllers: [ModelsController],
  providers: [ModelsRepository, ModelsService],
  exports: [ModelsService],
})
export class ModelsModule {}
