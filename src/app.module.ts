import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertingModule } from './alerting/alerting.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { CustomersModule } from './customers/customers.module';
import type { TollgateConfig } from './config/config.types';
import type { OpenedResources } from './common/opened-resources';
import { DatabaseModule } from './database/database.module';
import { DocsModule } from './docs/docs.module';
import { EmailModule } from './email/email.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { MessagesModule } from './messages/messages.module';
import { ModelHubModule } from './model-hub/model-hub.module';
import { SettingsModule } from './settings/settings.module';
import { ModelsModule } from './models/models.module';
import { ObservabilityModule } from './observability/observability.module';
import { PassThroughModule } from './pass-through/pass-through.module';
import { ResponsesModule } from './responses/responses.module';
import { RobotsModule } from './robots/robots.module';
import { SecretsModule } from './secrets/secrets.module';
import { SpendModule } from './spend/spend.module';
import { SpendReportsModule } from './reports/spend-reports.module';
import { TeamsModule } from './teams/teams.module';

@Module({})
export class AppModule {
  static forRoot(config: TollgateConfig, opened: OpenedResources): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        SecretsModule,
        DatabaseModule.forRoot(opened),
        ScheduleModule.forRoot(),
        SpendModule,
        SpendReportsModule,
        ObservabilityModule,
        AlertingModule,
        AuthModule,
        AuditModule,
        KeysModule,
        EmailModule,
        CustomersModule,
        TeamsModule,
        HealthModule,
        GatewayModule,
        MessagesModule,
        ModelsModule,
        ModelHubModule,
        SettingsModule,
        PassThroughModule,
        ResponsesModule,
        DocsModule,
        RobotsModule,
      ],
    };
  }
}
