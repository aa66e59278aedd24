import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DocsController } from './docs.controller';

@Module({ imports: [AuthModule], controllers: [DocsController] })
export class DocsModule {}
