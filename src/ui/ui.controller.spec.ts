import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAiExceptionFilter } from '../common/http/openai-exception.filter';
import { UiAssets } from './ui-assets';
import { UiController } from './ui.controller';

/** The controller on a real Fastify instance, serving a ui/dist laid out here. */
async function serve(distDir: string): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({ controllers: [UiController], providers: [{ provide: UiAssets, useValue: new UiAssets(distDir) }] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } }));
  // The app's own error mapping, so a NotFoundError is the 404 the gateway answers.
  app.useGlobalFilters(new OpenAiExceptionFilter(1));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('UiController', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tollgate-ui-dist-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('should answer 503 with one line saying to build when ui/dist is missing', async () => {
    const app = await serve(join(root, 'dist'));
    try {
      for (const url of ['/ui', '/ui/', '/ui/keys']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(503);
        expect(response.body).toBe('The admin UI is not built: run `npm run build` (it writes ui/dist), then reload.\n');
        expect(response.headers['content-type']).toContain('text/plain');
      }
    } finally {
      await app.close();
    }
  });

  it('should serve index.html for the app and its client routes, and only built files as assets', async () => {
    const dist = join(root, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><script type="module" src="/ui/assets/app-1.js"></script>');
    writeFileSync(join(dist, 'assets/app-1.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'not served');
    const app = await serve(dist);
    try {
      for (const url of ['/ui', '/ui/', '/ui/keys', '/ui/models/deep/link']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(200);
        expect(response.body).toContain('/ui/assets/app-1.js');
        expect(response.headers['cache-control']).toBe('no-cache');
        expect(response.headers['content-security-policy']).toContain("script-src 'self';");
        expect(response.headers['x-frame-options']).toBe('DENY');
      }
      const asset = await app.inject({ method: 'GET', url: '/ui/assets/app-1.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      for (const url of ['/ui/assets/missing.js', '/ui/assets/..%2F..%2Fsecret.txt', '/ui/assets/.hidden']) {
        expect((await app.inject({ method: 'GET', url })).statusCode).toBe(404);
      }
    } finally {
      await app.close();
    }
  });

  it('should read index.html again after a rebuild', () => {
    const dist = join(root, 'dist');
    mkdirSync(dist);
    writeFileSync(join(dist, 'index.html'), 'first');
    const files = new UiAssets(dist);
    expect(files.indexHtml()?.toString()).toBe('first');
    writeFileSync(join(dist, 'index.html'), 'second');
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dist, 'index.html'), later, later);
    expect(files.indexHtml()?.toString()).toBe('second');
  });
});
