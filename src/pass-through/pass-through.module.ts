import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PricingModule } from '../pricing/pricing.module';
import { SpendModule } from '../spend/spend.module';
import { PassThroughService } from './pass-through.service';

/** `general_settings.pass_through_endpoints`, served on Fastify directly with Tollgate's authentication. */
@Module({
  imports: [AuthModule, PricingModule, SpendModule],
  providers: [PassThroughService],
})
export class PassThroughModule {}
