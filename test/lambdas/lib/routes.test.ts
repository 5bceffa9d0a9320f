import { describe, expect, it } from 'vitest';
import { matchResource, methodsOf, RESOURCES, ROUTES, routeOf } from '../../../lambdas/lib/routes.js';

describe('the route table', () => {
  it('has one row per method and resource, with unique ids', () => {
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.resource}`)).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map((r) => r.id)).size).toBe(ROUTES.length);
    expect(RESOURCES).toEqual([
      '/searches',
      '/searches/{id}',
      '/searches/{id}/results',
      '/searches/{id}/stop',
    ]);
  });

  it('matches paths to API Gateway resources with decoded parameters', () => {
    expect(matchResource('/searches/abc/results')).toEqual({
      resource: '/searches/{id}/results',
      params: { id: 'abc' },
    });
    expect(matchResource('/searches/')).toEqual({ resource: '/searches', params: {} });
    expect(matchResource('/searches/a%2Fb')).toEqual({ resource: '/searches/{id}', params: { id: 'a/b' } });
    expect(matchResource('/searches/%E0%A4%A')).toBeUndefined();
    expect(matchResource('/other')).toBeUndefined();
  });

  it('knows which methods a resource answers', () => {
    expect(methodsOf('/searches')).toEqual(['POST', 'GET']);
    expect(methodsOf('/searches/{id}/stop')).toEqual(['POST']);
    expect(routeOf('get', '/searches/{id}')?.id).toBe('getSearch');
    expect(routeOf('DELETE', '/searches/{id}')).toBeUndefined();
  });
});
