import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { KeysModule } from '../keys/keys.module';
import { TeamsModule } from '../teams/teams.module';
import { AuthenticationGuard, CallerAuthenticator } from './authentication.guard';
import { jwtAuthenticatorProvider } from './jwt/jwt.provider';
import { RouteCatalog } from './route-catalog.service';
import { RouteClassGuard } from './route-class.guard';
import { SessionsModule } from '../sessions/sessions.module';

/** The global guard chain, in DESIGN.md's order; later checks (IP, enforced params, limits) slot in here. */
@Module({
  imports: [DiscoveryModule, KeysModule, TeamsModule, SessionsModule],
  providers: [
    RouteCatalog,
    CallerAuthenticator,
    jwtAuthenticatorProvider,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: RouteClassGuard },
  ],
  exports: [RouteCatalog, CallerAuthenticator],
})
export class AuthModule {}
