import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { describeFailure } from './secrets.errors';

/** The app's handle on the configured secret manager: background refresh for its lifetime, key write-back. */
@Injectable()
export class SecretsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Secrets');

  constructor(@Inject(TOLLGATE_CONFIG) private readonly config: TollgateConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.config.secretManager?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.config.secretManager?.close();
  }

  /**
   * Stores a newly generated virtual key in the manager when `store_virtual_keys` is on. A failure is logged
   * (by key name) and does not undo the key: it exists in the database and was shown to its creator.
   */
  async storeVirtualKey(keyName: string, key: string): Promise<void> {
    const manager = this.config.secretManager;
    if (!manager) return;
    try {
      if (await manager.storeVirtualKey(keyName, key)) this.logger.log(`virtual key ${keyName} stored in ${manager.system}`);
    } catch (error) {
      this.logger.error(`storing virtual key ${keyName} in ${manager.system} failed (${describeFailure(error)})`);
    }
  }
}
