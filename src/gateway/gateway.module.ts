import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module';
import { RoutingModule } from '../routing/routing.module';
import { TeamsModule } from '../teams/teams.module';
import { GatewayController } from './gateway.controller';
import { GatewayService } from './gateway.service';
import { MediaController } from './media.controller';
import { MediaService } from './media.service';

/** The OpenAI-compatible HTTP edge: it translates wire formats; the call pipeline does the rest. */
@Module({
  imports: [PipelineModule, RoutingModule, TeamsModule],
  controllers: [GatewayController, MediaController],
  providers: [GatewayService, MediaService],
})
export class GatewayModule {}
