import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { ResponsesRetentionService } from './responses-retention.service';
import { ResponsesController } from './responses.controller';
import { ResponsesRepository } from './responses.repository';
import { ResponsesService } from './responses.service';
import { StoredResponseEntity } from './stored-response.entity';

/** OpenAI's Responses API: an edge of the one call pipeline, with the stored responses its keys own. */
@Module({
  imports: [DatabaseModule.forFeature([StoredResponseEntity]), PipelineModule],
  controllers: [ResponsesController],
  providers: [ResponsesService, ResponsesRepository, ResponsesRetentionService],
})
export class ResponsesModule {}
