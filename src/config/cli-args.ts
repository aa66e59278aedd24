import { parseArgs } from 'node:util';

export interface CliOptions {
  configPath?: string;
  port: number;
  host: string;
  help: boolean;
  version: boolean;
  /** Run the database migrations and exit (a Kubernetes migration Job, before a rollout). */
  migrate: boolean;
}

export const CLI_USAGE = `Usage: tollgate [--config <config.yaml>] [--port 4000] [--host 0.0.0.0]

  --config, -c   LiteLLM-compatible config file (default: $CONFIG_FILE_PATH)
  --port, -p     port to listen on (default: $PORT or 4000)
  --host         address to bind (default: $HOST or 0.0.0.0)
  --migrate      run the database migrations, then exit (no server)
  --version      print the version
  --help, -h     print this help`;

/** Parses the command line; environment fallbacks (PORT, HOST) apply only where a flag is absent. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      migrate: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const portText = values.port ?? env.PORT ?? '4000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer 0-65535, got "${portText}"`);
  return {
    configPath: values.config,
    port,
    host: values.host ?? env.HOST ?? '0.0.0.0',
    help: values.help ?? false,
    version: values.version ?? false,
    migrate: values.migrate ?? false,
  };
}
