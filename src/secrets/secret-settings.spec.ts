import { isReadFromManager, readSecretManagerSettings } from './secret-settings';

describe(readSecretManagerSettings.name, () => {
  it('should apply LiteLLM defaults and Tollgate interval defaults', () => {
    const problems: string[] = [];

    const sut = readSecretManagerSettings('aws_secret_manager', undefined, {}, problems);

    expect(problems).toEqual([]);
    expect(sut).toMatchObject({ accessMode: 'read_only', storeVirtualKeys: false, virtualKeyPrefix: 'litellm/', refreshIntervalMs: 300_000, ttlMs: 3_600_000 });
    expect(isReadFromManager(sut, 'ANY_NAME')).toBe(true);
  });

  it('should read only hosted_keys from the manager, and nothing in write_only mode', () => {
    const hosted = readSecretManagerSettings('aws_secret_manager', { hosted_keys: ['OPENAI_API_KEY'] }, {}, []);
    const writeOnly = readSecretManagerSettings('aws_secret_manager', { access_mode: 'write_only' }, {}, []);

    expect(isReadFromManager(hosted, 'OPENAI_API_KEY')).toBe(true);
    expect(isReadFromManager(hosted, 'ANTHROPIC_API_KEY')).toBe(false);
    expect(isReadFromManager(writeOnly, 'OPENAI_API_KEY')).toBe(false);
  });

  it("should take the vendor's refresh variable, and refuse a TTL shorter than the refresh", () => {
    const problems: string[] = [];

    const sut = readSecretManagerSettings('hashicorp_vault', {}, { HCP_VAULT_REFRESH_INTERVAL: '60', TOLLGATE_SECRET_TTL: '30' }, problems);

    expect(sut.refreshIntervalMs).toBe(60_000);
    expect(problems).toEqual(['TOLLGATE_SECRET_TTL: must be at least the refresh interval (HCP_VAULT_REFRESH_INTERVAL, 60 s)']);
  });

  it('should refuse store_virtual_keys without write access', () => {
    const problems: string[] = [];

    readSecretManagerSettings('azure_key_vault', { store_virtual_keys: true }, {}, problems);

    expect(problems).toEqual(['general_settings.key_management_settings.store_virtual_keys: needs access_mode write_only or read_and_write']);
  });
});
