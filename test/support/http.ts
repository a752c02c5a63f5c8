export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Real HTTP against the API under test; the body is parsed as JSON when it is JSON. */
export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { json?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
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
