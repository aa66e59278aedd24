import { Module } from '@nestjs/common';
import { StoreModule } from '../store/store.module';
import { LimitsService } from './limits.service';

@Module({
  imports: [StoreModule],
  providers: [LimitsService],
  exports: [LimitsService],
})
export class LimitsModule {}
