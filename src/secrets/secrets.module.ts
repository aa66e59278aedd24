import { Global, Module } from '@nestjs/common';
import { SecretsService } from './secrets.service';

/** Global so the keys module can write new keys back without a dependency on anything but this service. */
@Global()
@Module({ providers: [SecretsService], exports: [SecretsService] })
export class SecretsModule {}
