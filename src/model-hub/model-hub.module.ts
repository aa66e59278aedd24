import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ModelsModule } from '../models/models.module';
import { StoreModule } from '../store/store.module';
import { ModelHubController } from './model-hub.controller';
import { ModelHubService } from './model-hub.service';

/** The public model hub (`/public/model_hub`, its info and page): the model groups an admin chose to show. */
@Module({
  imports: [ModelsModule, AuditModule, StoreModule],
  controllers: [ModelHubController],
  providers: [ModelHubService],
})
export class ModelHubModule {}
