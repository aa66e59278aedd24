import { Logger, Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { GUARDRAIL_CHECK_DURATION, GUARDRAIL_CHECKS_TOTAL, GuardrailMetrics } from './guardrail.metrics';
import { GuardrailRegistry } from './guardrail-registry';
import { GUARDRAIL_REGISTRY } from './guardrails.tokens';
import { GuardrailsService } from './guardrails.service';
import { GuardrailsController } from './guardrails.controller';

/** Loads the configured guardrail plugins at boot (a bad one stops boot) and runs them for the gateway. */
@Module({
  controllers: [GuardrailsController],
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
    makeCounterProvider({ name: GUARDRAIL_CHECKS_TOTAL, help: 'Guardrail hook calls by outcome', labelNames: ['guardrail', 'phase', 'outcome'] }),
    makeHistogramProvider({
      name: GUARDRAIL_CHECK_DURATION,
      help: 'Guardrail hook latency in seconds',
      labelNames: ['guardrail', 'phase'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    }),
    GuardrailMetrics,
    GuardrailsService,
  ],
  exports: [GuardrailsService],
})
export class GuardrailsModule {}
