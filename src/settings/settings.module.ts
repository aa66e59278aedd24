import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { RoutingModule } from '../routing/routing.module';
import { StoreModule } from '../store/store.module';
import { RuntimeSettingsService } from './runtime-settings.service';
import { SettingsController } from './settings.controller';

/** Runtime settings (LiteLLM's `/config/update` family) stored over config.yaml, and the `SIGHUP` reload of the file. */
@Module({
  imports: [RoutingModule, AuditModule, StoreModule],
  controllers: [SettingsController],
  providers: [RuntimeSettingsService],
  exports: [RuntimeSettingsService],
})
export class SettingsModule {}
