import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidApiKeyError, MalformedApiKeyError, MissingApiKeyError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { extractApiKey } from './api-key.extractor';
import { AuthContext, MASTER_KEY_USER_ID, OPEN_PROXY_CALLER, PUBLIC_CALLER } from './auth-context';
import { UndeclaredRouteError } from './auth.errors';
import { MasterKeyMatcher } from './master-key';
import { RouteClass } from './route-class';
import { RouteCatalog } from './route-catalog.service';

/**
 * First guard of the chain: establishes who is calling (`request.auth`) or refuses with LiteLLM's
 * 401 texts. Authorisation by route class is the next guard's job.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly masterKey?: MasterKeyMatcher;
  private readonly masterCaller?: AuthContext;
  private readonly customHeader?: string;

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly routes: RouteCatalog,
  ) {
    if (config.masterKey) {
      this.masterKey = new MasterKeyMatcher(config.masterKey);
      this.masterCaller = Object.freeze({ method: 'master_key', role: 'proxy_admin', userId: MASTER_KEY_USER_ID, apiKeyHash: this.masterKey.hashHex });
    }
    this.customHeader = config.general_settings.litellm_key_header_name;
    if (!this.masterKey) {
      new Logger('Auth').warn('No master key is set: every caller is treated as a proxy admin. Set general_settings.master_key.');
    }
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const declaration = this.routes.declarationOf(context.getHandler(), context.getClass());
    if (!declaration) throw new UndeclaredRouteError(request.routeOptions.url ?? request.url);
    request.routeDeclaration = declaration;
    request.auth = declaration.routeClass === RouteClass.Public ? PUBLIC_CALLER : this.authenticate(request);
    return true;
  }

  private authenticate(request: FastifyRequest): AuthContext {
    if (!this.masterKey) return OPEN_PROXY_CALLER;
    const extracted = extractApiKey(request.headers, this.customHeader);
    if ('problem' in extracted) throw extracted.problem === 'missing' ? new MissingApiKeyError() : new MalformedApiKeyError();
    if (this.masterKey.matches(extracted.key)) return this.masterCaller as AuthContext;
    throw new InvalidApiKeyError();
  }
}
