// The REST API's routes, in one table. The CDK stack builds its API Gateway resources and
// methods from it, the handler dispatches on it, the local server matches paths against it, and
// docs/openapi.json lists it: a route added here exists everywhere, and nowhere else.

export const ROUTES = [
  { id: 'createSearch', method: 'POST', resource: '/searches', summary: 'Start a search' },
  { id: 'listSearches', method: 'GET', resource: '/searches', summary: "List the caller's searches" },
  {
    id: 'getSearch',
    method: 'GET',
    resource: '/searches/{id}',
    summary: 'Status, progress, failure cause and cost so far',
  },
  {
    id: 'getResults',
    method: 'GET',
    resource: '/searches/{id}/results',
    summary: 'Pareto front with presigned links, and estimated vs actual cost',
  },
  {
    id: 'stopSearch',
    method: 'POST',
    resource: '/searches/{id}/stop',
    summary: 'Stop a search cleanly: the loop ends through Finalize and still writes results',
  },
] as const;

/** The API Gateway stage the stack deploys the routes to: the last segment of its URL. */
export const API_STAGE = 'v1';
/** The port `cosearch serve` listens on by default (127.0.0.1). */
export const LOCAL_API_PORT = 8787;

export type Route = (typeof ROUTES)[number];
export type RouteId = Route['id'];

/** Every resource path, each once, in table order. */
export const RESOURCES: readonly string[] = [...new Set(ROUTES.map((r) => r.resource))];

/** The methods a resource answers, for 405 responses' Allow header. */
export function methodsOf(resource: string): string[] {
  return ROUTES.filter((r) => r.resource === resource).map((r) => r.method);
}

/** The route of a method on a resource, or undefined. */
export function routeOf(method: string, resource: string): Route | undefined {
  return ROUTES.find((r) => r.method === method.toUpperCase() && r.resource === resource);
}

/** The resource a concrete path matches, with its decoded path parameters (as API Gateway gives them). */
export function matchResource(
  path: string,
): { resource: string; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  for (const resource of RESOURCES) {
    const segs = resource.split('/').filter(Boolean);
    if (segs.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    segs.forEach((seg, i) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (!m) ok &&= seg === parts[i];
      else {
        try {
          params[m[1]!] = decodeURIComponent(parts[i]!);
        } catch {
          ok = false; // a malformed escape matches no route
        }
      }
    });
    if (ok) return { resource, params };
  }
  return undefined;
}
