import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { BatchesController } from './batches.controller';
import { BatchesService } from './batches.service';
import { LlmObjectOwnerEntity } from './ownership/llm-object-owner.entity';
import { LlmObjectOwnersRepository } from './ownership/llm-object-owners.repository';
import { RealtimeController } from './realtime.controller';
import { RealtimeService } from './realtime.service';
import { PipelineModule } from '../pipeline/pipeline.module';
import { RoutingModule } from '../routing/routing.module';
import { TeamsModule } from '../teams/teams.module';
import { GatewayController } from './gateway.controller';
import { GatewayService } from './gateway.service';
import { MediaController } from './media.controller';
import { MediaService } from './media.service';

/** The OpenAI-compatible HTTP edge: it translates wire formats; the call pipeline does the rest. */
@Module({
  imports: [PipelineModule, RoutingModule, TeamsModule, DatabaseModule.forFeature([LlmObjectOwnerEntity])],
  controllers: [GatewayController, MediaController, BatchesController, RealtimeController],
  providers: [GatewayService, MediaService, BatchesService, RealtimeService, LlmObjectOwnersRepository],
})
export class GatewayModule {}
