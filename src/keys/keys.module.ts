import { SpendModule } from '../spend/spend.module';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DatabaseModule } from '../database/database.module';
import { KeysController } from './keys.controller';
import { KeysRepository } from './keys.repository';
import { KeysService } from './keys.service';
import { DeprecatedVirtualKeyEntity, VirtualKeyEntity } from './virtual-key.entity';
import { StoreModule } from '../store/store.module';

/** Virtual keys: the management API and the lookups authentication and limits make on every request. */
@Module({
  imports: [DatabaseModule.forFeature([VirtualKeyEntity, DeprecatedVirtualKeyEntity]), SpendModule, AuditModule, StoreModule],
  controllers: [KeysController],
  providers: [KeysRepository, KeysService],
  exports: [KeysService],
})
export class KeysModule {}
