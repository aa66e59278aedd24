import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { GatewayController } from './gateway.controller';
import { GatewayService } from './gateway.service';

@Module({
  imports: [RoutingModule],
  controllers: [GatewayController],
  providers: [GatewayService],
})
export class GatewayModule {}
