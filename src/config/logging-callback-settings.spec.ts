import { DEFAULT_LOG_BATCH_SIZE, readLoggingCallbacks } from './logging-callback-settings';

describe('readLoggingCallbacks', () => {
  const env = { GENERIC_LOGGER_ENDPOINT: 'https://logs.example/ingest', LANGFUSE_PUBLIC_KEY: 'pk', LANGFUSE_SECRET_KEY: 'sk' };

  it('should be off when no served logging callback is named', () => {
    expect(readLoggingCallbacks({ callbacks: ['prometheus', 'otel'] }, env, [])).toBeUndefined();
  });

  it('should log successes for success_callback, failures for failure_callback and both for callbacks', () => {
    const settings = readLoggingCallbacks({ success_callback: ['langfuse'], failure_callback: ['generic'], callbacks: ['generic_api'] }, env, [])!;
    expect(settings.sinks).toEqual([
      { kind: 'generic_api', on: ['success', 'failure'], endpoint: 'https://logs.example/ingest', headers: {} },
      { kind: 'langfuse', on: ['success'], host: 'https://cloud.langfuse.com', publicKey: 'pk', secretKey: 'sk' },
    ]);
    expect(settings.batchSize).toBe(DEFAULT_LOG_BATCH_SIZE);
    expect(settings.flushIntervalMs).toBe(5000);
  });

  it('should read both header forms and the batch environment', () => {
    const pairs = readLoggingCallbacks(
      { callbacks: ['generic_api'] },
      { ...env, GENERIC_LOGGER_HEADERS: 'Authorization=Bearer a=b, X-Team=core', DEFAULT_BATCH_SIZE: '10', DEFAULT_FLUSH_INTERVAL_SECONDS: '0.5' },
      [],
    )!;
    expect(pairs.sinks[0]).toMatchObject({ headers: { Authorization: 'Bearer a=b', 'X-Team': 'core' } });
    expect(pairs.batchSize).toBe(10);
    expect(pairs.flushIntervalMs).toBe(500);
    const json = readLoggingCallbacks({ callbacks: ['generic_api'] }, { ...env, GENERIC_LOGGER_HEADERS: '{"Authorization": "Bearer x"}' }, [])!;
    expect(json.sinks[0]).toMatchObject({ headers: { Authorization: 'Bearer x' } });
  });

  it('should name each missing or bad value', () => {
    const problems: string[] = [];
    readLoggingCallbacks({ callbacks: ['generic_api', 'langfuse'] }, { GENERIC_LOGGER_HEADERS: 'nope', DEFAULT_BATCH_SIZE: '-1' }, problems);
    expect(problems).toEqual([
      'callback generic_api: GENERIC_LOGGER_ENDPOINT must be set to an http(s) URL',
      'callback langfuse: LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY must be set',
      'DEFAULT_BATCH_SIZE: must be a positive number',
    ]);
  });

  it("should read s3_callback_params, with the AWS environment's credentials when the params have none", () => {
    const problems: string[] = [];
    const settings = readLoggingCallbacks(
      { success_callback: ['s3'], s3_callback_params: { s3_bucket_name: 'logs', s3_endpoint_url: 'http://minio:9000', s3_path: '/a/b/', s3_use_key_prefix: true } },
      { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-central-1' },
      problems,
    )!;
    expect(problems).toEqual([]);
    expect(settings.sinks).toEqual([
      {
        kind: 's3',
        on: ['success'],
        bucket: 'logs',
        region: 'eu-central-1',
        endpoint: 'http://minio:9000',
        path: 'a/b',
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret', sessionToken: undefined },
        useTeamPrefix: false,
        useKeyPrefix: true,
      },
    ]);
    const missing: string[] = [];
    readLoggingCallbacks({ callbacks: ['s3'] }, {}, missing);
    expect(missing).toEqual(['callback s3: litellm_settings.s3_callback_params.s3_bucket_name is required']);
  });

  it('should read the gcs_bucket environment, an emulator host included', () => {
    const settings = readLoggingCallbacks(
      { callbacks: ['gcs_bucket'] },
      { GCS_BUCKET_NAME: 'logs', GCS_PATH_SERVICE_ACCOUNT: '/etc/sa.json', GCS_PATH: '/llm/', STORAGE_EMULATOR_HOST: 'localhost:4443' },
      [],
    )!;
    expect(settings.sinks).toEqual([{ kind: 'gcs_bucket', on: ['success', 'failure'], bucket: 'logs', keyFile: '/etc/sa.json', path: 'llm', apiBase: 'http://localhost:4443' }]);
    expect(readLoggingCallbacks({ callbacks: ['gcs_bucket'] }, { GCS_BUCKET_NAME: 'logs' }, [])!.sinks[0]).toMatchObject({
      apiBase: 'https://storage.googleapis.com',
      keyFile: undefined,
    });
    const problems: string[] = [];
    readLoggingCallbacks({ callbacks: ['gcs_bucket'] }, {}, problems);
    expect(problems).toEqual(['callback gcs_bucket: GCS_BUCKET_NAME must be set']);
  });
});
