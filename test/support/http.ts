import { adminToken } from './auth';

export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Real HTTP against the API under test; the body is parsed as JSON when it is JSON. Unless the
 * caller sends its own Authorization (or `anonymous`), it acts as an admin whose subject is the
 * X-Actor header when given, so tests that name an actor see it in the audit trail.
 */
export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { json?: unknown; rawBody?: string; headers?: Record<string, string>; anonymous?: boolean } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const given = Object.keys(headers).map((h) => h.toLowerCase());
  if (!opts.anonymous && !given.includes('authorization')) {
    const actor = Object.entries(headers).find(([h]) => h.toLowerCase() === 'x-actor')?.[1];
    headers.Authorization = `Bearer ${await adminToken(actor)}`;
  }
  let body: string | undefined = opts.rawBody;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON; leave the text for the assertion message
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}
