import { AwsSecretsManagerClient } from './clients/aws-secrets-manager.client';
import { describeFailure, SecretManagerError } from './secrets.errors';

describe(describeFailure.name, () => {
  it('should keep the class, code and HTTP status but never the message', () => {
    const error = Object.assign(new Error('secret sk-live-123 is wrong'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });

    expect(describeFailure(error)).toBe('AccessDeniedException (HTTP 400)');
  });

  it('should name the code of a refused connection, also inside an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

    expect(describeFailure(refused)).toBe('Error ECONNREFUSED');
    expect(describeFailure(new AggregateError([refused], 'x'))).toBe('AggregateError ECONNREFUSED');
  });

  it('should pass a SecretManagerError description through', () => {
    expect(describeFailure(new SecretManagerError('Vault answered HTTP 503'))).toBe('Vault answered HTTP 503');
  });

  it('should describe the AWS client failing to connect by its code', async () => {
    const problems: string[] = [];
    const sut = new AwsSecretsManagerClient(
      { AWS_REGION_NAME: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' },
      problems,
    );

    const failure = await sut.read('OPENAI_API_KEY').catch((error: unknown) => describeFailure(error));
    await sut.close();

    expect(problems).toEqual([]);
    expect(failure).toMatch(/ECONNREFUSED/);
  });
});
