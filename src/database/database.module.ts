import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OpenedResources } from '../common/opened-resources';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { DatabaseService } from './database.service';
import { InstancePresence } from './instance-presence.service';
import { registerEntities } from './entity-registry';
import { UnitOfWork } from './unit-of-work';

@Global()
@Module({})
export class DatabaseModule {
  /** `opened` closes the database when the boot fails before Nest owns it (see OpenedResources). */
  static forRoot(opened: OpenedResources): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DatabaseService,
          useFactory: (config: TollgateConfig) => opened.track(DatabaseService.open(config), (database) => database.close()),
          inject: [TOLLGATE_CONFIG],
        },
        { provide: DataSource, useFactory: (db: DatabaseService) => db.dataSource, inject: [DatabaseService] },
        UnitOfWork,
        // Other connections opened while the app is built (Redis) are closed by a failed boot too.
        { provide: OpenedResources, useValue: opened },
        InstancePresence,
      ],
      exports: [DatabaseService, DataSource, UnitOfWork, OpenedResources, InstancePresence],
    };
  }

  /** Declares a module's entities; call it in that module's `imports` so they exist before the DataSource. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  static forFeature(entities: readonly Function[]): DynamicModule {
    registerEntities(entities);
    return { module: DatabaseModule };
  }
}
