import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { currentLogContext } from './log-context';

/**
 * Nest's console logger without its boot chatter: one line per module initialised and per route mapped (over a
 * hundred lines) say nothing an operator needs; `/routes` lists the routes. Warnings and errors from those
 * contexts still show.
 */
const CHATTY_CONTEXTS: ReadonlySet<string> = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

export interface TollgateLoggerOptions {
  /** One JSON object per line (`json_logs: true`, `JSON_LOGS=True`), with the request and call it belongs to. */
  readonly json?: boolean;
}

/** The options Nest passes to its JSON line builder. */
interface JsonLogOptions {
  context: string;
  logLevel: LogLevel;
  writeStreamType?: 'stdout' | 'stderr';
  errorStack?: unknown;
  params?: Record<string, unknown>;
  error?: Error;
}

export class TollgateLogger extends ConsoleLogger {
  constructor(levels: LogLevel[], options: TollgateLoggerOptions = {}) {
    super(options.json ? { json: true, colors: false } : {});
    this.setLogLevels(levels);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context)) return;
    super.log(message, ...rest);
  }

  /** Nest's JSON line, plus the request and call a line written while serving one belongs to. */
  protected override getJsonLogObject(message: unknown, options: JsonLogOptions) {
    const line = super.getJsonLogObject(message, options);
    const context = currentLogContext();
    if (context) {
      line.request_id = context.requestId;
      if (context.callId !== undefined) line.call_id = context.callId;
    }
    return line;
  }
}
