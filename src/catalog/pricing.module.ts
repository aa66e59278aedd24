import { Module } from '@nestjs/common';
import { PricingService } from './pricing.service';

/** Model prices, call costs and token counts; no dependencies, so any module can import it. */
@Module({
  providers: [PricingService],
  exports: [PricingService],
})
export class PricingModule {}
