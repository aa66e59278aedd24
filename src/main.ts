import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app.factory';
import { TollgateLogger } from './common/logging/tollgate-logger';
import { TOLLGATE_VERSION } from './common/version';
import { CLI_USAGE, parseCliArgs } from './config/cli-args';
import { ConfigError } from './config/config.errors';
import { DEFAULT_DOCS } from './config/observability-settings';
import { loadConfigWithSecrets } from './secrets/config-secrets.loader';
import { exportKmsDecryptedEnvironment } from './secrets/kms-boot-decryption';
import { DatabaseService } from './database/database.service';
import { RuntimeSettingsService } from './settings/runtime-settings.service';

/**
 * `tollgate --config <file> [--port 4000] [--host 0.0.0.0]`: exits non-zero with one clear message on bad config.
 * `env` is the process environment, passed in by `bin/tollgate.js` so only the launcher and src/config touch it.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<NestFastifyApplication | undefined> {
  const logger = new Logger('Tollgate');
  let cli;
  try {
    cli = parseCliArgs(argv, env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${CLI_USAGE}\n`);
    process.exitCode = 2;
    return undefined;
  }
  if (cli.help || cli.version) {
    process.stdout.write(cli.help ? `${CLI_USAGE}\n` : `${TOLLGATE_VERSION}\n`);
    return undefined;
  }

  let app: NestFastifyApplication | undefined;
  try {
    // USE_AWS_KMS: decrypted LITELLM_SECRET_AWS_KMS_<NAME> values become <NAME> before anything reads them (DATABASE_URL).
    for (const name of await exportKmsDecryptedEnvironment(env)) logger.log(`decrypted ${name} with AWS KMS`);
    const config = await loadConfigWithSecrets({ configPath: cli.configPath, env });
    // LiteLLM exports `environment_variables` for the providers and libraries it loads; so do we.
    for (const [name, value] of Object.entries(config.environment_variables)) env[name] = value;
    // From here on every line is in the configured shape, boot warnings included (the app's logger takes over later).
    if (config.jsonLogs === true) Logger.overrideLogger(new TollgateLogger(['log', 'warn', 'error'], { json: true }));
    for (const warning of config.warnings) logger.warn(warning);
    if (cli.migrate) {
      // Opening the database runs the migrations (serialised across instances by an advisory lock).
      const database = await DatabaseService.open(config);
      await database.close();
      logger.log('database migrations are up to date');
      return undefined;
    }
    app = await createApp(config);
    app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    reloadConfigOnHangup(app);
    await app.listen(cli.port, cli.host);
    const shownHost = cli.host === '0.0.0.0' || cli.host === '::' ? 'localhost' : cli.host;
    const docs = config.docs ?? DEFAULT_DOCS;
    logger.log(`Tollgate ${TOLLGATE_VERSION} listening on http://${shownHost}:${cli.port}${docs.enabled ? ` (docs at ${docs.url})` : ''}`);
    if (config.configPath) logger.log(`config: ${config.configPath}, ${config.model_list.length} deployment(s)`);
    return app;
  } catch (error) {
    // Boot errors are for an operator: the message, no stack (it can carry paths and values).
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`Tollgate failed to start: ${message}\n`);
    process.exitCode = 1;
    // Built but not listening (the port is taken): close it, or its database keeps the process alive.
    await app?.close().catch(() => undefined);
    return undefined;
  }
}

/**
 * `kill -HUP <pid>`: the config file is read again with the boot's validation; a bad file is refused (logged) and the
 * running config kept. Without this listener SIGHUP would end the process.
 */
function reloadConfigOnHangup(app: NestFastifyApplication): void {
  const settings = app.get(RuntimeSettingsService);
  const onHangup = (): void => {
    settings.reloadFile();
  };
  process.on('SIGHUP', onHangup);
  app.getHttpServer().once('close', () => process.off('SIGHUP', onHangup));
}
