import { keepMaskedSecrets, maskTeamLogging, MASKED, parseTeamLogging, TeamLoggingError } from './team-logging';

const LANGFUSE = {
  callback_name: 'langfuse',
  callback_type: 'success',
  callback_vars: { langfuse_public_key: 'pk', langfuse_secret_key: 'sk-secret', langfuse_host: 'https://lf.example/' },
};

describe('team logging (metadata.logging)', () => {
  it("should read LiteLLM's entries for langfuse and generic_api", () => {
    expect(parseTeamLogging(undefined)).toEqual([]);
    expect(
      parseTeamLogging([
        LANGFUSE,
        { callback_name: 'generic_api', callback_vars: { generic_logger_endpoint: 'https://logs.example/in', generic_logger_headers: { authorization: 'Bearer t' } } },
      ]),
    ).toEqual([
      { kind: 'langfuse', on: ['success'], host: 'https://lf.example', publicKey: 'pk', secretKey: 'sk-secret' },
      { kind: 'generic_api', on: ['success', 'failure'], endpoint: 'https://logs.example/in', headers: { authorization: 'Bearer t' } },
    ]);
  });

  it.each([
    ['not a list', { a: 1 }, 'metadata.logging'],
    ['an unknown callback', [{ callback_name: 'datadog', callback_vars: {} }], 'metadata.logging[0].callback_name'],
    ['a bad type', [{ ...LANGFUSE, callback_type: 'always' }], 'metadata.logging[0].callback_type'],
    ['langfuse without keys', [{ callback_name: 'langfuse', callback_vars: { langfuse_public_key: 'pk' } }], 'metadata.logging[0].callback_vars'],
    [
      'a non-http endpoint',
      [{ callback_name: 'generic_api', callback_vars: { generic_logger_endpoint: 'file:///etc/passwd' } }],
      'metadata.logging[0].callback_vars.generic_logger_endpoint',
    ],
  ])('should refuse %s, naming the field', (_label, value, field) => {
    expect(() => parseTeamLogging(value)).toThrow(TeamLoggingError);
    try {
      parseTeamLogging(value);
    } catch (error) {
      expect((error as TeamLoggingError).field).toBe(field);
    }
  });

  it('should mask secrets for display and keep the stored ones when a masked team is written back', () => {
    const stored = { tags: ['a'], logging: [LANGFUSE] };
    const shown = maskTeamLogging(stored);
    expect(JSON.stringify(shown)).not.toContain('sk-secret');
    expect((shown.logging as { callback_vars: Record<string, string> }[])[0].callback_vars).toEqual({
      langfuse_public_key: 'pk',
      langfuse_secret_key: MASKED,
      langfuse_host: 'https://lf.example/',
    });
    expect(keepMaskedSecrets(shown, stored)).toEqual(stored);
    const changed = keepMaskedSecrets({ logging: [{ ...LANGFUSE, callback_vars: { ...LANGFUSE.callback_vars, langfuse_secret_key: 'sk-new' } }] }, stored);
    expect((changed.logging as { callback_vars: Record<string, string> }[])[0].callback_vars.langfuse_secret_key).toBe('sk-new');
  });
});
