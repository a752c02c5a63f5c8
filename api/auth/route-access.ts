import type { Role } from '../../runtime/auth/principal';

/**
 * Who may call each route, and which body budget it gets: the one table the access middleware,
 * the OpenAPI document and the auth matrix test all read, so a new route without an entry is
 * refused (authenticated, no role suffices) and caught by the route-coverage test.
 *
 * - client: submit and read its own tenant's commands;
 * - operator: read everything, replay, answer approvals;
 * - admin: everything, including discard, schedules and API keys.
 * Public routes are probes and documentation: nothing in them is tenant data.
 */
export type RouteRole = Role | 'public';

/** command: RUNTIME_MAX_INPUT_BYTES (agent inputs); admin: RUNTIME_MAX_ADMIN_BODY_BYTES; none: no body is read. */
export type BodyBudget = 'command' | 'admin' | 'none';

export interface RouteAccess {
  role: RouteRole;
  body: BodyBudget;
}

export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /healthz': { role: 'public', body: 'none' },
  'GET /readyz': { role: 'public', body: 'none' },
  'GET /metrics': { role: 'public', body: 'none' },
  'GET /openapi.json': { role: 'public', body: 'none' },
  'GET /docs': { role: 'public', body: 'none' },
  'GET /docs/init.js': { role: 'public', body: 'none' },
  'GET /docs/assets/{asset}': { role: 'public', body: 'none' },

  'POST /v1/commands': { role: 'client', body: 'command' },
  'GET /v1/commands/{commandId}': { role: 'client', body: 'none' },
  'GET /v1/commands/{commandId}/state': { role: 'client', body: 'none' },
  'POST /v1/commands/{commandId}/replay': { role: 'operator', body: 'command' },
  'POST /v1/commands/{commandId}/approvals': { role: 'operator', body: 'admin' },

  'GET /admin/runtime/dead-letters': { role: 'operator', body: 'none' },
  'GET /admin/runtime/dead-letters/{commandId}': { role: 'operator', body: 'none' },
  'POST /admin/runtime/dead-letters/replay': { role: 'operator', body: 'admin' },
  'GET /admin/runtime/replay-jobs/{jobId}': { role: 'operator', body: 'none' },
  'POST /admin/runtime/dead-letters/{commandId}/replay': { role: 'operator', body: 'admin' },
  'POST /admin/runtime/dead-letters/{commandId}/discard': { role: 'admin', body: 'admin' },
  'GET /admin/runtime/events': { role: 'operator', body: 'none' },
  'GET /admin/runtime/slo': { role: 'operator', body: 'none' },

  'GET /admin/runtime/schedules': { role: 'operator', body: 'none' },
  'GET /admin/runtime/schedules/{name}': { role: 'operator', body: 'none' },
  'POST /admin/runtime/schedules/sync': { role: 'admin', body: 'admin' },
  'POST /admin/runtime/schedules/{name}/pause': { role: 'admin', body: 'admin' },
  'POST /admin/runtime/schedules/{name}/unpause': { role: 'admin', body: 'admin' },
  'POST /admin/runtime/schedules/{name}/trigger': { role: 'admin', body: 'admin' },
  'POST /admin/runtime/schedules/{name}/backfill': { role: 'admin', body: 'admin' },

  // Legacy results arrive in batches of up to 500: the command budget, not the admin one.
  'POST /admin/runtime/shadow/legacy-results': { role: 'operator', body: 'command' },
  'GET /admin/runtime/shadow/parity': { role: 'operator', body: 'none' },

  'GET /admin/runtime/api-keys': { role: 'admin', body: 'none' },
  'POST /admin/runtime/api-keys': { role: 'admin', body: 'admin' },
  'POST /admin/runtime/api-keys/{keyId}/revoke': { role: 'admin', body: 'admin' },
};

/** Any authenticated identity reaches an unknown route, to be told 404 (never to anonymous callers: no route probing). */
const UNKNOWN_ROUTE: RouteAccess = { role: 'client', body: 'none' };

interface CompiledRoute {
  key: string;
  method: string;
  pattern: RegExp;
  access: RouteAccess;
}

const COMPILED: CompiledRoute[] = Object.entries(ROUTE_ACCESS).map(([key, access]) => {
  const [method, template] = key.split(' ') as [string, string];
  const source = template.split('/').map((seg) => (/^\{\w+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return { key, method, pattern: new RegExp(`^${source.join('/')}/?$`), access };
});

/** The table entry of a request (method + path as Express sees it), and its key. */
export function routeAccessFor(method: string, path: string): { key: string | undefined; access: RouteAccess } {
  // HEAD is answered by the GET route in Express, so it is allowed as the GET is.
  const m = method === 'HEAD' ? 'GET' : method;
  const hit = COMPILED.find((r) => r.method === m && r.pattern.test(path));
  return hit ? { key: hit.key, access: hit.access } : { key: undefined, access: UNKNOWN_ROUTE };
}
