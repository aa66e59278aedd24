import type { RouteAccess, RouteDeclaration } from '../common/access/route-class';

export type { RouteAccess } from '../common/access/route-class';

const GROUP_TOKEN_PREFIX = 'LiteLLMRoutes.';

export interface RoutePolicySettings {
  public_routes?: readonly string[];
  admin_only_routes?: readonly string[];
  allowed_routes?: readonly string[];
}

/** The route being called: its concrete path, its template (`/key/{key}/regenerate`) and its declaration. */
export interface RouteRef {
  readonly path: string;
  readonly template: string;
  readonly declaration: RouteDeclaration;
}

/**
 * `public_routes`, `admin_only_routes` and `allowed_routes` from config, resolved per route. Entries are paths
 * (`/spend/calculate`, with or without `/v1`, or the template form `/engines/{model}/chat/completions`) or
 * LiteLLM route-group tokens (`LiteLLMRoutes.public_routes`, or the bare group name). A route keeps its declared
 * class and group tags; these lists only refine them, as in LiteLLM.
 */
export class RoutePolicy {
  private readonly publicRoutes: RouteMatcher;
  private readonly adminOnlyRoutes: RouteMatcher;
  private readonly allowedRoutes: RouteMatcher | null;
  /** Per template: a route's answer never changes while the process runs, and paths with ids share a template. */
  private readonly byTemplate = new Map<string, RouteAccess>();

  constructor(settings: RoutePolicySettings) {
    this.publicRoutes = new RouteMatcher(settings.public_routes ?? []);
    this.adminOnlyRoutes = new RouteMatcher(settings.admin_only_routes ?? []);
    this.allowedRoutes = settings.allowed_routes && settings.allowed_routes.length > 0 ? new RouteMatcher(settings.allowed_routes) : null;
  }

  /** Whether any list is configured at all (the guards skip the lookup otherwise). */
  get isEmpty(): boolean {
    return this.publicRoutes.isEmpty && this.adminOnlyRoutes.isEmpty && this.allowedRoutes === null;
  }

  accessOf(route: RouteRef): RouteAccess {
    // Concrete paths can be listed (`/key/sk-…/regenerate` is unlikely but legal): only template-only answers are cached.
    const pathSpecific = this.publicRoutes.namesPath(route.path) || this.adminOnlyRoutes.namesPath(route.path) || (this.allowedRoutes?.namesPath(route.path) ?? false);
    const cached = pathSpecific ? undefined : this.byTemplate.get(route.template);
    if (cached) return cached;
    const access: RouteAccess = {
      public: this.publicRoutes.matches(route),
      adminOnly: this.adminOnlyRoutes.matches(route),
      exposed: this.allowedRoutes === null || this.allowedRoutes.matches(route),
    };
    if (!pathSpecific) this.byTemplate.set(route.template, access);
    return access;
  }
}

/** One configured list of paths and group tokens. */
export class RouteMatcher {
  private readonly paths = new Set<string>();
  private readonly groups = new Set<string>();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      if (entry.startsWith(GROUP_TOKEN_PREFIX)) this.groups.add(entry.slice(GROUP_TOKEN_PREFIX.length));
      else if (entry.startsWith('/')) this.paths.add(withoutV1(entry));
      // A bare group name (`openai_routes`) is accepted as LiteLLM's per-key allowed_routes accept it.
      else this.groups.add(entry);
    }
  }

  get isEmpty(): boolean {
    return this.paths.size === 0 && this.groups.size === 0;
  }

  matches(route: RouteRef): boolean {
    if (this.paths.has(withoutV1(route.path)) || this.paths.has(withoutV1(route.template))) return true;
    return route.declaration.groups.some((group) => this.groups.has(group));
  }

  /** Whether the concrete path itself (not its template) is listed. */
  namesPath(path: string): boolean {
    return this.paths.has(withoutV1(path));
  }
}

/** `/v1/chat/completions` and `/chat/completions` are one route to LiteLLM's lists. */
function withoutV1(path: string): string {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.startsWith('/v1/') ? trimmed.slice(3) : trimmed;
}
