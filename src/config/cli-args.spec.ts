import { parseCliArgs } from './cli-args';

describe(parseCliArgs.name, () => {
  it('should default to port 4000 on all interfaces', () => {
    expect(parseCliArgs([], {})).toMatchObject({ port: 4000, host: '0.0.0.0', configPath: undefined });
  });

  it('should read --config, --port and --host', () => {
    expect(parseCliArgs(['--config', 'c.yaml', '--port', '8080', '--host', '127.0.0.1'], {})).toMatchObject({
      configPath: 'c.yaml',
      port: 8080,
      host: '127.0.0.1',
    });
  });

  it('should fall back to PORT and HOST', () => {
    expect(parseCliArgs([], { PORT: '5000', HOST: '::' })).toMatchObject({ port: 5000, host: '::' });
  });

  it('should read --migrate (a migration Job runs the migrations and exits)', () => {
    expect(parseCliArgs(['--migrate'], {})).toMatchObject({ migrate: true });
    expect(parseCliArgs([], {})).toMatchObject({ migrate: false });
  });

  it('should refuse a bad port and unknown flags', () => {
    expect(() => parseCliArgs(['--port', 'abc'], {})).toThrow('--port must be an integer');
    expect(() => parseCliArgs(['--bogus'], {})).toThrow();
  });
});
