import { Inject, Injectable } from '@nestjs/common';
import type { ProviderId } from '../deployment';
import { PROVIDER_ADAPTERS, ProviderAdapter } from './provider-adapter';

/** Looks adapters up by provider id; adapters are registered through the PROVIDER_ADAPTERS token. */
@Injectable()
export class ProviderRegistry {
  private readonly adapters: ReadonlyMap<ProviderId, ProviderAdapter>;

  constructor(@Inject(PROVIDER_ADAPTERS) adapters: ProviderAdapter[]) {
    this.adapters = new Map(adapters.map((adapter) => [adapter.id, adapter]));
  }

  get(id: ProviderId): ProviderAdapter {
    const adapter = this.adapters.get(id);
    if (!adapter) throw new Error(`no adapter registered for provider ${id}`);
    return adapter;
  }
}
