import type { Provider } from '@nestjs/common';
import { request } from 'undici';
import { TOLLGATE_CONFIG } from '../../config/config.tokens';
import type { TollgateConfig } from '../../config/config.types';
import { TeamDirectory } from '../../teams/team-directory.service';
import { JwtAuthenticator } from './jwt-authenticator';

export const JWT_AUTHENTICATOR = Symbol('JWT_AUTHENTICATOR');

const JWKS_TIMEOUT_MS = 5_000;
const MAX_JWKS_BYTES = 256 * 1024;

/** The JWKS endpoint is operator config; it is fetched with a deadline and a size cap all the same. */
async function fetchJwks(url: string): Promise<unknown> {
  const response = await request(url, { method: 'GET', headersTimeout: JWKS_TIMEOUT_MS, bodyTimeout: JWKS_TIMEOUT_MS, headers: { accept: 'application/json' } });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`JWKS endpoint answered ${response.statusCode}`);
  }
  let text = '';
  for await (const chunk of response.body) {
    text += chunk;
    if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS document too large');
  }
  return JSON.parse(text) as unknown;
}

/** `null` unless `general_settings.enable_jwt_auth` is on. */
export const jwtAuthenticatorProvider: Provider = {
  provide: JWT_AUTHENTICATOR,
  inject: [TOLLGATE_CONFIG, TeamDirectory],
  useFactory: (config: TollgateConfig, teams: TeamDirectory): JwtAuthenticator | null => {
    const publicKeyUrl = config.jwt.publicKeyUrl;
    if (config.general_settings.enable_jwt_auth !== true || !publicKeyUrl) return null;
    return new JwtAuthenticator(config.general_settings.litellm_jwtauth ?? {}, { ...config.jwt, publicKeyUrl }, teams, fetchJwks);
  },
};
