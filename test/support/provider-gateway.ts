import OpenAI from 'openai';
import { discardStorage, type TestGateway } from './gateway-harness';
import { type MockProviderServer, type ProviderHandler, startMockProviderServer } from './mock-providers/mock-provider-server';

export interface ProviderGateway {
  /** The provider mock: what it was sent is in `mock.requests`, emptied before each test. */
  readonly mock: MockProviderServer;
  readonly gateway: TestGateway;
  /** The `openai` client on the gateway, with the master key and no SDK retries (attempts are counted). */
  readonly client: OpenAI;
}

/**
 * The setup every provider suite shares, as the describe block's hooks: a mock speaking the providers' wire formats,
 * a gateway booted against it by `boot`, and the `openai` client on that gateway; all closed after the block.
 */
export function useProviderGateway(handlers: ProviderHandler[], masterKey: string, boot: (mock: MockProviderServer) => Promise<TestGateway>): ProviderGateway {
  const state: { mock?: MockProviderServer; gateway?: TestGateway; client?: OpenAI } = {};
  beforeAll(async () => {
    state.mock = await startMockProviderServer(handlers);
    state.gateway = await boot(state.mock);
    state.client = new OpenAI({ apiKey: masterKey, baseURL: `${state.gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await state.gateway?.close();
    await state.mock?.close();
    if (state.gateway) discardStorage(state.gateway.storage);
  });
  beforeEach(() => {
    if (state.mock) state.mock.requests.length = 0;
  });
  return {
    get mock() {
      return state.mock as MockProviderServer;
    },
    get gateway() {
      return state.gateway as TestGateway;
    },
    get client() {
      return state.client as OpenAI;
    },
  };
}
