import { RouteClass } from '../access/route-class';
import { nulBytePath, nulFieldOf } from './nul-bytes';

const request = (routeClass: RouteClass, parts: { body?: unknown; query?: unknown; params?: unknown }) => ({
  routeDeclaration: { routeClass, groups: [] },
  body: parts.body,
  query: parts.query ?? {},
  params: parts.params ?? {},
});

describe(nulBytePath.name, () => {
  it('should name the first string or key holding a NUL, at any depth', () => {
    expect(nulBytePath({ user_ids: ['bob', 'bob\u0000'] }, '')).toBe('user_ids[1]');
    expect(nulBytePath({ metadata: { a: { 'b\u0000': 1 } } }, '')).toBe('metadata.a.b\\u0000');
    expect(nulBytePath({ a: [[[['\u0000']]]] }, '')).toBe('a[0][0][0][0]');
    expect(nulBytePath({ a: 'clean', b: [1, null, true] }, '')).toBeNull();
  });

  it('should walk 10,000 levels without a stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(nulBytePath(deep, 'v')).toMatch(/^v(\[0\]){10000}$/);
  });
});

describe(nulFieldOf.name, () => {
  it('should check the whole body, query and path of management routes', () => {
    expect(nulFieldOf(request(RouteClass.Management, { body: { user_ids: ['bob\u0000'] } }))).toBe('user_ids[0]');
    expect(nulFieldOf(request(RouteClass.AdminOnly, { query: { key_alias: '\u0000' } }))).toBe('key_alias');
    expect(nulFieldOf(request(RouteClass.Management, { params: { key: 'sk-\u0000' } }))).toBe('key');
    expect(nulFieldOf(request(RouteClass.Management, { body: 'a\u0000' }))).toBe('body');
  });

  it('should leave LLM message content alone but refuse NULs in what is stored', () => {
    const content = { model: 'demo', messages: [{ role: 'user', content: 'binary \u0000 text' }], tools: [{ name: '\u0000' }] };
    expect(nulFieldOf(request(RouteClass.Llm, { body: content }))).toBeNull();
    expect(nulFieldOf(request(RouteClass.Llm, { body: { ...content, user: 'eu\u0000' } }))).toBe('user');
    expect(nulFieldOf(request(RouteClass.Llm, { body: { ...content, metadata: { tags: ['t\u0000'] } } }))).toBe('metadata.tags[0]');
    expect(nulFieldOf(request(RouteClass.Llm, { body: content, params: { model: 'de\u0000mo' } }))).toBe('model');
  });
});
