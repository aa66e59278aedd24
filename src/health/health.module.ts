import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RoutingModule } from '../routing/routing.module';
import { StoreModule } from '../store/store.module';
import { DeploymentHealthService } from './deployment-health.service';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), RoutingModule, StoreModule],
  controllers: [HealthController],
  providers: [HealthService, DeploymentHealthService],
  exports: [DeploymentHealthService],
})
export class HealthModule {}
