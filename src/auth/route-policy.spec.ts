import { RouteClass, type RouteDeclaration, type RouteGroup } from '../common/access/route-class';
import { RoutePolicy, type RouteRef } from './route-policy';

function route(path: string, groups: RouteGroup[], routeClass = RouteClass.Management, template = path): RouteRef {
  const declaration: RouteDeclaration = { routeClass, groups };
  return { path, template, declaration };
}

describe(RoutePolicy.name, () => {
  const seed = new RoutePolicy({
    public_routes: ['LiteLLMRoutes.public_routes', '/spend/calculate'],
    admin_only_routes: ['/key/generate'],
    allowed_routes: ['/chat/completions', '/spend/calculate', 'LiteLLMRoutes.public_routes'],
  });

  it('should read the seed config: paths, /v1 twins and group tokens', () => {
    expect(seed.accessOf(route('/spend/calculate', ['spend_tracking_routes']))).toEqual({ public: true, adminOnly: false, exposed: true });
    expect(seed.accessOf(route('/key/generate', ['management_routes']))).toEqual({ public: false, adminOnly: true, exposed: false });
    expect(seed.accessOf(route('/v1/chat/completions', ['openai_routes'], RouteClass.Llm)).exposed).toBe(true);
    expect(seed.accessOf(route('/embeddings', ['openai_routes'], RouteClass.Llm)).exposed).toBe(false);
    expect(seed.accessOf(route('/health/liveliness', ['public_routes'], RouteClass.Public))).toEqual({ public: true, adminOnly: false, exposed: true });
  });

  it('should match template entries and concrete paths of parameterised routes', () => {
    const policy = new RoutePolicy({ allowed_routes: ['/engines/{model}/chat/completions', '/key/sk-abc/regenerate'] });
    expect(policy.accessOf(route('/engines/gpt-4o/chat/completions', ['openai_routes'], RouteClass.Llm, '/engines/{model}/chat/completions')).exposed).toBe(true);
    expect(policy.accessOf(route('/key/sk-abc/regenerate', [], RouteClass.Management, '/key/{key}/regenerate')).exposed).toBe(true);
    expect(policy.accessOf(route('/key/sk-other/regenerate', [], RouteClass.Management, '/key/{key}/regenerate')).exposed).toBe(false);
  });

  it('should expose everything when allowed_routes is unset, and accept bare group names', () => {
    const policy = new RoutePolicy({ admin_only_routes: ['info_routes'] });
    expect(policy.accessOf(route('/key/info', ['info_routes']))).toEqual({ public: false, adminOnly: true, exposed: true });
    expect(policy.accessOf(route('/team/new', ['management_routes']))).toEqual({ public: false, adminOnly: false, exposed: true });
    expect(new RoutePolicy({}).isEmpty).toBe(true);
  });
});
