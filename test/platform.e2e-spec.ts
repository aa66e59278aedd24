import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { SpendAccountsService } from '../src/spend/spend-accounts.service';
import { CustomersRepository } from '../src/customers/customers.repository';
import { SpendLedgerWriter } from '../src/spend/spend-ledger.writer';
import { SpendRetentionService } from '../src/spend/spend-retention.service';
import { FakeSpendLedger } from '../src/spend/testing/fake-spend-ledger';
import { Controller, Get, Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthModule } from '../src/auth/auth.module';
import type { CatalogedRoute } from '../src/auth/route-catalog.service';
import { OpenAiExceptionFilter } from '../src/common/http/openai-exception.filter';
import { ConfigModule } from '../src/config/config.module';
import { loadConfig } from '../src/config/config.loader';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '../src/database/unit-of-work';
import { AuditRetentionService } from '../src/audit/audit-retention.service';
import { DatabaseService } from '../src/database/database.service';
import { KeysRepository } from '../src/keys/keys.repository';
import { TeamsRepository } from '../src/teams/teams.repository';
import { discardStorage, startGateway, TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-platform-master';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
`;

describe('Platform: health, docs, routes, metrics, auth headers, storage (e2e)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.url}${path}`, { headers, redirect: 'manual' });

  it('should answer liveness on both LiteLLM spellings without a key', async () => {
    for (const path of ['/health/liveliness', '/health/liveness']) {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("I'm alive!");
    }
  });

  it('should report readiness with the database state', async () => {
    const response = await get('/health/readiness');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'healthy', db: 'connected', details: { database: { status: 'up' } } });
  });

  it("should answer /health/readiness/details in LiteLLM's shape for a key, and refuse it without one", async () => {
    expect((await get('/health/readiness/details')).status).toBe(401);
    const response = await get('/health/readiness/details', { authorization: `Bearer ${MASTER_KEY}` });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'healthy',
      db: 'connected',
      cache: null,
      success_callbacks: [],
      use_aiohttp_transport: false,
      is_detailed_debug: false,
      details: { database: { status: 'up' } },
    });
    expect(body.litellm_version).toEqual(expect.any(String));
    expect(['DEBUG', 'INFO', 'WARNING', 'ERROR']).toContain(body.log_level);
  });

  it('should serve Swagger UI at /docs, the spec at /openapi.json, and send / to the docs', async () => {
    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    const spec = (await (await get('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/chat/completions', '/health/readiness', '/routes']));
    const root = await get('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/docs');
  });

  it('should declare an access class for every route it serves', async () => {
    const { routes } = (await (await get('/routes')).json()) as { routes: CatalogedRoute[] };
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.filter((route) => route.routeClass === null)).toEqual([]);
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/v1/chat/completions', routeClass: 'llm', groups: expect.arrayContaining(['openai_routes']) }),
        expect.objectContaining({ path: '/openai/deployments/{model}/chat/completions', routeClass: 'llm' }),
        expect.objectContaining({ path: '/health/liveliness', routeClass: 'public', groups: expect.arrayContaining(['public_routes']) }),
        expect.objectContaining({ path: '/metrics', routeClass: 'public' }),
      ]),
    );
  });

  it('should expose Prometheus metrics including request counts by route template', async () => {
    await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'count me' }] }),
    });
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/^tollgate_spend_ledger_queued_rows \d+$/m);
    expect(text).toMatch(/^tollgate_spend_ledger_outage_seconds 0$/m);
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toMatch(/tollgate_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status_code="200"\} [1-9]/);
    expect(text).toContain('tollgate_http_request_duration_seconds_bucket');
  });

  it('should put x-request-id on every response, errors and unknown routes included', async () => {
    for (const response of [await get('/health/liveliness'), await get('/no/such/route'), await get('/v1/models')]) {
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const missing = await get('/no/such/route');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('404');
  });

  it('should take the key from Authorization, api-key and x-api-key, and use LiteLLM texts when missing or malformed', async () => {
    const variants: Record<string, string>[] = [{ authorization: `Bearer ${MASTER_KEY}` }, { 'api-key': MASTER_KEY }, { 'x-api-key': MASTER_KEY }];
    for (const headers of variants) {
      expect((await get('/v1/models', headers)).status).toBe(200);
    }
    const missing = await get('/v1/models');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { message: 'Authentication Error, No api key passed in.', type: 'auth_error', param: null, code: '401' } });
    const malformed = await get('/v1/models', { authorization: MASTER_KEY });
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toBe('Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.');
  });

  it('should keep its data across a restart on the same storage', async () => {
    const boots = async (g: TestGateway) => Number((await g.app.get(DatabaseService).dataSource.query('SELECT count(*)::int AS n FROM tollgate_instance_boots'))[0].n);
    const before = await boots(gateway);
    await gateway.close();
    gateway = await startGateway(CONFIG, { storage: gateway.storage });
    expect(await boots(gateway)).toBe(before + 1);
  });
});

describe('Route declarations', () => {
  @Controller()
  class UndeclaredController {
    @Get('/undeclared')
    open(): string {
      return 'should never be served';
    }
  }

  /** Stands in for the database module's unit of work, which nothing reaches here. */
  @Global()
  @Module({ providers: [{ provide: UnitOfWork, useValue: {} }], exports: [UnitOfWork] })
  class NoDatabaseModule {}

  @Module({ imports: [ConfigModule.forRoot(loadConfig({ env: {} })), NoDatabaseModule, AuthModule], controllers: [UndeclaredController] })
  class UndeclaredRouteModule {}

  it('should refuse to serve a route that declares no access class', async () => {
    // No database here: the key store is never reached, because the guard refuses before authenticating.
    const moduleRef = await Test.createTestingModule({ imports: [UndeclaredRouteModule] })
      .overrideProvider(KeysRepository)
      .useValue({})
      .overrideProvider(TeamsRepository)
      .useValue({})
      .overrideProvider(DataSource)
      .useValue({})
      .overrideProvider(SpendLedgerService)
      .useValue(new FakeSpendLedger().service)
      .overrideProvider(SpendLedgerWriter)
      .useValue({})
      .overrideProvider(SpendRetentionService)
      .useValue({})
      .overrideProvider(SpendAccountsService)
      .useValue({})
      .overrideProvider(CustomersRepository)
      .useValue({})
      .overrideProvider(AuditRetentionService)
      .useValue({})
      .compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new OpenAiExceptionFilter(64));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      const response = await app.inject({ method: 'GET', url: '/undeclared' });
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toContain('should never be served');
      expect(JSON.parse(response.body).error.message).toBe('Route /undeclared has no access class declared.');
    } finally {
      await app.close();
    }
  });
});

describe('Open proxy (no master key), as LiteLLM runs without one', () => {
  it('should let callers in without a key', async () => {
    const gateway = await startGateway('model_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n');
    try {
      const response = await fetch(`${gateway.url}/v1/models`);
      expect(response.status).toBe(200);
    } finally {
      await gateway.close();
      discardStorage(gateway.storage);
    }
  });
});
