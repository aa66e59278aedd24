import type { INestApplication, Type } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { RouteCatalog } from '../auth/route-catalog.service';
import { TOLLGATE_VERSION } from '../common/version';
import type { DocsSettings } from '../config/config.types';
import { DEFAULT_DOCS } from '../config/observability-settings';

/**
 * Tollgate's OpenAPI document. Operation ids come from the HTTP method and path (`postV1ChatCompletions`,
 * `getKeyInfo`): unique by construction, free of the `[0]` suffixes Nest gives a handler served on several paths,
 * and stable across refactors of the TypeScript method names, since they change only when the API does.
 */
export function createOpenApiDocument(app: INestApplication, docs: DocsSettings = DEFAULT_DOCS): OpenAPIObject {
  const routes = routeIndex(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(docs.title)
      .setDescription(docs.description)
      .setVersion(TOLLGATE_VERSION)
      .setLicense('MIT', 'https://opensource.org/licenses/MIT')
      .addServer('/', 'This gateway')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Master key or virtual key (sk-…)' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'api-key', description: 'Azure-style key header' }, 'api-key')
      .build(),
    {
      operationIdFactory: (controllerKey, methodKey) => {
        const route = routes.get(`${controllerKey}.${methodKey}`);
        if (!route) throw new Error(`OpenAPI: no route found for ${controllerKey}.${methodKey}`);
        return operationIdOf(route.method, route.path);
      },
    },
  );
  return docs.filtered ? onlyOpenAiRoutes(document, app.get(RouteCatalog, { strict: false })) : document;
}

/**
 * `DOCS_FILTERED`: LiteLLM then documents only its `openai_routes` (chat, completions, embeddings, images, audio,
 * models …), for a gateway whose users should see the LLM API and not the admin one. Tags no longer used go too.
 */
export function onlyOpenAiRoutes(document: OpenAPIObject, catalog: RouteCatalog): OpenAPIObject {
  const openAi = new Set(
    catalog
      .list()
      .filter((route) => route.groups.includes('openai_routes'))
      .map((route) => route.path),
  );
  const paths = Object.fromEntries(Object.entries(document.paths).filter(([path]) => openAi.has(path)));
  const used = new Set(Object.values(paths).flatMap((item) => Object.values(item as Record<string, { tags?: string[] }>).flatMap((operation) => operation?.tags ?? [])));
  return { ...document, paths, tags: document.tags?.filter((tag) => used.has(tag.name)) };
}

/** `post` + `/key/{key}/regenerate` → `postKeyByKeyRegenerate`. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => {
      const param = /^[{:]([^}]+)}?$/.exec(segment);
      return param ? ['by', ...wordsOf(param[1])] : wordsOf(segment);
    });
  return method.toLowerCase() + words.map((word) => word[0].toUpperCase() + word.slice(1)).join('');
}

function wordsOf(text: string): string[] {
  // `fileId` → file, Id; `end_users` → end, users; `robots.txt` → robots, txt
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

interface IndexedRoute {
  method: string;
  path: string;
}

/**
 * `Controller.handler` (and `Controller.handler[i]` for the i-th path of a handler served on several, as Nest's
 * Swagger explorer names them) → method and path, from the same routing metadata Nest registers the routes with.
 */
function routeIndex(app: INestApplication): Map<string, IndexedRoute> {
  const index = new Map<string, IndexedRoute>();
  const scanner = new MetadataScanner();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prefixes = asArray(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (paths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const full = (prefixes.length ? prefixes : ['']).flatMap((prefix) => asArray(paths).map((path) => joinPath(prefix, path)));
        if (full.length === 1) index.set(`${controller.name}.${name}`, { method, path: full[0] });
        else full.forEach((path, i) => index.set(`${controller.name}.${name}[${i}]`, { method, path }));
      }
    }
  }
  return index;
}

function asArray(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function joinPath(prefix: string, path: string): string {
  return `/${[prefix, path]
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
}
