import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { PassThroughService } from './pass-through.service';

/** `general_settings.pass_through_endpoints`, served on Fastify directly with Tollgate's authentication. */
@Module({
  imports: [AuthModule, PipelineModule],
  providers: [PassThroughService],
})
export class PassThroughModule {}
