import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { RouteClass } from '../../common/access/route-class';
import type { RouteRef } from '../route-policy';
import { JwtAuthenticator, type JwtAuthSettings } from './jwt-authenticator';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'ES256' }] };
const keyList: RouteRef = { path: '/key/list', template: '/key/list', declaration: { routeClass: RouteClass.Management, groups: ['management_routes'] } };
const directory = { findTeam: () => Promise.resolve(null), findUser: () => Promise.resolve(null) };

function authenticator(settings: JwtAuthSettings = {}): JwtAuthenticator {
  return new JwtAuthenticator(settings, { publicKeyUrl: 'http://idp.invalid/jwks' }, directory, () => Promise.resolve(jwks));
}

function adminToken(options: jwt.SignOptions): string {
  return jwt.sign({ sub: 'ops', scope: 'litellm_proxy_admin' }, privateKey, { algorithm: 'ES256', keyid: 'k1', ...options });
}

describe('JwtAuthenticator expiry', () => {
  it('should refuse a token without an exp claim by default: it would never expire', async () => {
    await expect(authenticator().authenticate(adminToken({}), keyList)).rejects.toThrow('Authentication Error, invalid JWT: the token has no expiry (exp claim)');
  });

  it('should accept a token without exp only when allow_tokens_without_exp is set', async () => {
    const caller = await authenticator({ allow_tokens_without_exp: true }).authenticate(adminToken({}), keyList);
    expect(caller.role).toBe('proxy_admin');
  });

  it('should accept a token with a future exp and refuse an expired one, whatever the setting', async () => {
    for (const settings of [{}, { allow_tokens_without_exp: true }]) {
      expect((await authenticator(settings).authenticate(adminToken({ expiresIn: '5m' }), keyList)).role).toBe('proxy_admin');
      const expired = jwt.sign({ sub: 'ops', scope: 'litellm_proxy_admin', exp: Math.floor(Date.now() / 1000) - 60 }, privateKey, { algorithm: 'ES256', keyid: 'k1' });
      await expect(authenticator(settings).authenticate(expired, keyList)).rejects.toThrow('jwt expired');
    }
  });
});
