import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

/** The Anthropic Messages edge: it translates a wire format; the call pipeline does the rest. */
@Module({
  imports: [PipelineModule],
  controllers: [MessagesController],
  providers: [MessagesService],
})
export class MessagesModule {}
