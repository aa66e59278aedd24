import { Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { scrypt } from 'node:crypto';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { DEFAULT_UI_LOGIN } from '../config/ui-login-settings';
import { STORE_CLOCK, type Clock } from '../store/counter-store';
import { INVALIDATION_BUS, type InvalidationBus } from '../store/invalidation-bus';
import { StoreModule } from '../store/store.module';
import { TeamDirectory } from '../teams/team-directory.service';
import { TeamsModule } from '../teams/teams.module';
import { SessionsController } from './sessions.controller';
import { UiSessionStore } from './ui-session-store';
import { UiSessionsRepository } from './ui-sessions.repository';
import { UI_SESSION_STORE, UiSessions } from './ui-sessions.service';

/**
 * A slow hash of the UI admin's credentials, stored with each admin session so that new UI_USERNAME / UI_PASSWORD
 * (or a new master key standing for them) end the sessions opened with the old ones. Slow (scrypt) because the
 * password may be a weak one and the stamp sits in the database.
 */
function adminStampOf(username: string, password: string | undefined): Promise<string | null> {
  if (password === undefined) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    scrypt(`${username}\0${password}`, 'tollgate-ui-admin-stamp', 32, { N: 16_384, r: 8, p: 1 }, (error, key) => (error ? reject(error) : resolve(key.toString('base64url'))));
  });
}

/** Admin UI login and sessions: the login routes, the session store, and the session cookie as a way in for auth. */
@Module({
  imports: [TeamsModule, StoreModule],
  controllers: [SessionsController],
  providers: [
    UiSessionsRepository,
    {
      provide: UI_SESSION_STORE,
      useFactory: async (rows: UiSessionsRepository, directory: TeamDirectory, clock: Clock, config: TollgateConfig, bus: InvalidationBus | null): Promise<UiSessionStore> => {
        const login = config.uiLogin ?? DEFAULT_UI_LOGIN;
        const logger = new Logger('UiSessions');
        return new UiSessionStore(
          rows,
          directory,
          clock,
          { idleTimeoutMs: login.idleTimeoutMs, maxAgeMs: login.maxAgeMs },
          await adminStampOf(login.username, login.password),
          bus ?? undefined,
          (error) => logger.warn(`session last-seen not written: ${error instanceof Error ? error.name : typeof error}`),
        );
      },
      inject: [UiSessionsRepository, TeamDirectory, STORE_CLOCK, TOLLGATE_CONFIG, { token: INVALIDATION_BUS, optional: true }],
    },
    UiSessions,
  ],
  exports: [UiSessions],
})
export class SessionsModule implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  /** LiteLLM's login page posts a form: read form bodies (under the same body limit as JSON) into plain objects. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasContentTypeParser('application/x-www-form-urlencoded')) {
      fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });
    }
  }
}
