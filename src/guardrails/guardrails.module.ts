import { Logger, Module } from '@nestjs/common';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { GuardrailRegistry } from './guardrail-registry';
import { GUARDRAIL_REGISTRY } from './guardrails.tokens';
import { GuardrailsService } from './guardrails.service';

/** Loads the configured guardrail plugins at boot (a bad one stops boot) and runs them for the gateway. */
@Module({
  providers: [
    {
      provide: GUARDRAIL_REGISTRY,
      inject: [TOLLGATE_CONFIG],
      useFactory: async (config: TollgateConfig): Promise<GuardrailRegistry> => {
        const registry = await GuardrailRegistry.load(config);
        const logger = new Logger('Guardrails');
        for (const warning of registry.warnings) logger.warn(warning);
        for (const instance of registry.instances) {
          logger.log(`${instance.name}: ${instance.packageName} (${[...instance.phases].join(', ')}; ${instance.defaultOn ? 'default on' : 'on request'}; ${instance.onError})`);
        }
        return registry;
      },
    },
    GuardrailsService,
  ],
  exports: [GuardrailsService],
})
export class GuardrailsModule {}
