import { SpendModule } from '../spend/spend.module';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CustomersModule } from '../customers/customers.module';
import { GuardrailsModule } from '../guardrails/guardrails.module';
import { LimitsModule } from '../limits/limits.module';
import { PricingModule } from '../pricing/pricing.module';
import { RoutingModule } from '../routing/routing.module';
import { TeamsModule } from '../teams/teams.module';
import { GatewayController } from './gateway.controller';
import { ChargedPartiesLookup } from './charged-parties';
import { GatewayService } from './gateway.service';
import { MediaController } from './media.controller';
import { MediaService } from './media.service';

@Module({
  imports: [AuthModule, RoutingModule, LimitsModule, PricingModule, CustomersModule, TeamsModule, SpendModule, GuardrailsModule],
  controllers: [GatewayController, MediaController],
  providers: [GatewayService, MediaService, ChargedPartiesLookup],
})
export class GatewayModule {}
