import { runInLogContext, nameCallInLogs } from './log-context';
import { TollgateLogger } from './tollgate-logger';

describe('TollgateLogger', () => {
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  const written = () =>
    [...stdout.mock.calls, ...stderr.mock.calls]
      .map((call) => String(call[0]))
      .join('')
      .split('\n')
      .filter(Boolean);

  beforeEach(() => {
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
  });

  it('should write JSON lines naming the request, and the call once the pipeline named it', () => {
    const logger = new TollgateLogger(['log', 'warn', 'error'], { json: true });
    logger.log('outside', 'Boot');
    runInLogContext({ requestId: 'req-1' }, () => {
      logger.warn('before the call', 'Router');
      nameCallInLogs('call-1');
      nameCallInLogs('inner-call');
      logger.error('during the call', undefined, 'Router');
    });
    const [outside, before, during] = written().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(outside).toMatchObject({ level: 'log', context: 'Boot', message: 'outside' });
    expect(outside).not.toHaveProperty('request_id');
    expect(before).toMatchObject({ level: 'warn', message: 'before the call', request_id: 'req-1' });
    expect(before).not.toHaveProperty('call_id');
    expect(during).toMatchObject({ level: 'error', message: 'during the call', request_id: 'req-1', call_id: 'call-1' });
  });

  it('should drop the boot chatter but keep warnings from the same contexts, as text by default', () => {
    const logger = new TollgateLogger(['log', 'warn']);
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.warn('route clash', 'RouterExplorer');
    logger.debug('not enabled', 'Any');
    const lines = written();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('route clash');
    expect(() => JSON.parse(lines[0])).toThrow();
  });
});
