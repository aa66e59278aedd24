import { DynamicModule, Global, Module } from '@nestjs/common';
import { TOLLGATE_CONFIG } from './config.tokens';
import type { TollgateConfig } from './config.types';

/** Provides the already loaded and validated config to every module; nothing else reads files or env. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: TollgateConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: TOLLGATE_CONFIG, useValue: config }],
      exports: [TOLLGATE_CONFIG],
    };
  }
}
