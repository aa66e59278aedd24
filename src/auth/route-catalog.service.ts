import { Injectable, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AUDITED_MUTATION, AuditedTable, ROUTE_DECLARATION, RouteClass, RouteDeclaration, RouteGroup } from '../common/access/route-class';

export interface CatalogedRoute {
  path: string;
  methods: string[];
  /** `Controller.method`, for diagnostics. */
  endpoint: string;
  routeClass: RouteClass | null;
  groups: readonly RouteGroup[];
  /** The table an `@Audited` route changes. */
  audited?: AuditedTable;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Handler = Function;

/**
 * Knows every HTTP route of the app and its declared class. The guards ask it once per request
 * (a WeakMap hit after the first), `/routes` lists it, and a test asserts no route is undeclared.
 */
@Injectable()
export class RouteCatalog implements OnApplicationBootstrap {
  private readonly declarations = new WeakMap<Handler, RouteDeclaration | null>();
  private routes: CatalogedRoute[] = [];
  /** Routes served outside Nest controllers (pass-through endpoints), declared by whoever registers them. */
  private readonly external: CatalogedRoute[] = [];

  constructor(
    private readonly reflector: Reflector,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  declarationOf(handler: Handler, controller: Handler): RouteDeclaration | null {
    let declaration = this.declarations.get(handler);
    if (declaration === undefined) {
      declaration = this.reflector.getAllAndOverride<RouteDeclaration | undefined>(ROUTE_DECLARATION, [handler, controller]) ?? null;
      const audited = this.reflector.get<AuditedTable | undefined>(AUDITED_MUTATION, handler);
      if (declaration && audited) declaration = { ...declaration, audited };
      this.declarations.set(handler, declaration);
    }
    return declaration;
  }

  list(): readonly CatalogedRoute[] {
    return this.routes;
  }

  /** Adds a route registered on Fastify directly, with the class it is served with. */
  addExternal(route: CatalogedRoute): void {
    this.external.push(route);
  }

  onApplicationBootstrap(): void {
    const routes: CatalogedRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      const controller = wrapper.metatype as Handler | null;
      if (!instance || !controller) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      const prefixes = asArray(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[methodName];
        if (typeof handler !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (paths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const declaration = this.declarationOf(handler, controller);
        for (const prefix of prefixes.length ? prefixes : ['']) {
          for (const path of asArray(paths)) {
            routes.push({
              path: joinPath(prefix, path),
              methods: [method],
              endpoint: `${controller.name}.${methodName}`,
              routeClass: declaration?.routeClass ?? null,
              groups: declaration?.groups ?? [],
              ...(declaration?.audited ? { audited: declaration.audited } : {}),
            });
          }
        }
      }
    }
    this.routes = [...routes, ...this.external].sort((a, b) => a.path.localeCompare(b.path));
  }
}

function asArray(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Nest's `:param` written as LiteLLM and OpenAPI write it, `{param}`. */
function joinPath(prefix: string, path: string): string {
  const joined = `/${[prefix, path]
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
