import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/**
 * Nest's console logger without its boot chatter: one line per module initialised and per route mapped (over a
 * hundred lines) say nothing an operator needs; `/routes` lists the routes. Warnings and errors from those
 * contexts still show.
 */
const CHATTY_CONTEXTS: ReadonlySet<string> = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

export class QuietBootLogger extends ConsoleLogger {
  constructor(levels: LogLevel[]) {
    super();
    this.setLogLevels(levels);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context)) return;
    super.log(message, ...rest);
  }
}
