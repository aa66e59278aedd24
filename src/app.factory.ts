import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import { AuditDenialRecorder } from './audit/audit-denials';
import { OpenedResources } from './common/opened-resources';
import { carryLogContext } from './common/logging/request-log-context';
import { TollgateLogger } from './common/logging/tollgate-logger';
import { answerClientError } from './common/http/client-error';
import { answerFrameworkError } from './common/http/framework-error';
import { assertJsonDepth, DEFAULT_MAX_JSON_DEPTH } from './common/http/json-body';
import { NulByteInterceptor } from './common/http/nul-bytes';
import { OpenAiExceptionFilter } from './common/http/openai-exception.filter';
import { securityHeadersFor } from './common/http/security-headers';
import type { DocsSettings, TollgateConfig } from './config/config.types';
import { DEFAULT_DOCS } from './config/observability-settings';
import { createOpenApiDocument } from './docs/openapi';
import { HttpMetrics } from './observability/http-metrics.service';

const MEBIBYTE = 1024 * 1024;
/** LiteLLM sets no limit; an unbounded body is a memory DoS, so without `max_request_size_mb` 64 MB applies. */
const DEFAULT_MAX_REQUEST_MB = 64;

export interface CreateAppOptions {
  logLevels?: LogLevel[] | false;
}

/**
 * Builds and initialises the Nest application on Fastify with Tollgate's HTTP behaviour; does not listen.
 * @throws whatever failed the boot, after closing everything the boot had opened
 */
export async function createApp(config: TollgateConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const maxRequestMb = config.general_settings.max_request_size_mb ?? DEFAULT_MAX_REQUEST_MB;
  const adapter = new FastifyAdapter({
    // Fastify counts bytes as they arrive, so neither a lying Content-Length nor a chunked body gets past it.
    bodyLimit: Math.max(1, Math.floor(maxRequestMb * MEBIBYTE)),
    genReqId: () => randomUUID(),
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });
  // A failed boot must leave nothing open (embedded database, data-directory lock), or the process never exits.
  const opened = new OpenedResources();
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, opened), adapter, {
    logger: options.logLevels === false ? false : new TollgateLogger(options.logLevels ?? ['log', 'warn', 'error'], { json: config.jsonLogs === true }),
    bufferLogs: false,
    abortOnError: false,
  }).catch(async (error: unknown) => {
    await opened.closeAll();
    throw error;
  });

  const fastify = app.getHttpAdapter().getInstance();
  const maxJsonDepth = config.general_settings.max_json_depth ?? DEFAULT_MAX_JSON_DEPTH;
  // Fastify's own JSON parser (prototype poisoning refused), behind a depth bound checked on the text first.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', {}, (request, body, done) => {
    const text = body.toString('utf8');
    try {
      assertJsonDepth(text, maxJsonDepth);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    void parseJson(request, text, done);
  });
  const metrics = app.get(HttpMetrics);
  const docs = config.docs ?? DEFAULT_DOCS;
  const docsPath = docs.url;
  fastify.decorateRequest('auth', null);
  fastify.decorateRequest('routeDeclaration', null);
  fastify.decorateRequest('clientIp', null);
  fastify.decorateRequest('routeAccess', null);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // Set first thing, so errors, 404s and streams (relaySse writes the reply's headers) carry them too.
    reply.headers(securityHeadersFor(request.url, docsPath));
    done();
  });
  if (config.jsonLogs === true) carryLogContext(fastify);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  const denials = app.get(AuditDenialRecorder);
  // After the guards (a refused caller is answered, and audited, as refused), before any handler reads the input.
  app.useGlobalInterceptors(new NulByteInterceptor());
  app.useGlobalFilters(new OpenAiExceptionFilter(maxRequestMb, (request, status) => denials.observe(request, status)));
  if (docs.enabled) setUpSwagger(app, docs);
  // Initialised here rather than in listen(), so a failing onModuleInit is a failed boot cleaned up here too.
  await app.init().catch(async (error: unknown) => {
    await app.close().catch(() => undefined);
    await opened.closeAll();
    throw error;
  });
  return app;
}

/**
 * The document is built on the first request for it (about half a second of CPU): a boot pays nothing for it.
 * LiteLLM's branding (`DOCS_TITLE`, `DOCS_DESCRIPTION`, `DOCS_FILTERED`, `DOCS_URL`) applies to the page and the
 * document alike.
 */
function setUpSwagger(app: NestFastifyApplication, docs: DocsSettings): void {
  SwaggerModule.setup(docs.url.slice(1), app, () => createOpenApiDocument(app, docs), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: docs.title,
  });
}
