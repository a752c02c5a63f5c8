/**
 * AI-provider STAND-IN for Gemini / Claude / OpenAI.
 *
 * An OpenAI-compatible HTTP server (node:http only) that the OpenClaw gateway is configured to
 * call instead of the real model providers, so the whole runtime can run offline and tests can
 * script provider behaviour. It is NOT a model: answers are canned and derived from the request.
 *
 * It serves one base path per provider it stands in for, so it knows which provider the gateway
 * called (the gateway has three providers configured, all pointing here; see
 * scripts/gateway/launch.ts):
 *
 *   POST /<provider>/v1/chat/completions   provider = gemini | claude | openai; streaming (SSE,
 *                                          final usage chunk when stream_options.include_usage)
 *                                          and non-streaming
 *   POST /v1/chat/completions              the same, recorded with provider null
 *   GET  /<provider>/v1/models, /v1/models the stand-in model ids
 *   GET  /_standin/calls[?commandId=ID]    recorded calls as JSON (for tests in another process)
 *   POST /_standin/reset                   forget recorded calls and scenario counters
 *
 * Every response carries the header `x-standin: startinsight-ai-provider-standin`.
 *
 * Markers (plain text anywhere in the messages; the last occurrence wins, so the newest user
 * turn of a reused session decides):
 *   [si-command:<id>]      attributes the call to a runtime command (recorded as commandId)
 *   [si-scenario:<spec>]   selects behaviour (default `ok`). <spec> is one entry or several
 *                          joined with `+`; an entry may end in `@<provider>` to apply only when
 *                          called as that provider (`gemini`, `claude`, `openai`; a `-standin`
 *                          suffix is ignored). The first entry that applies to the called
 *                          provider decides; when none applies the call answers `ok`.
 *       ok                       answer normally
 *       status:<code>[:<n>[:<retryAfterS>]]
 *                                answer HTTP <code> with an OpenAI-style error body for the first
 *                                n calls of that command to which the entry applies (all calls
 *                                when n is omitted), then ok. 429 carries `Retry-After` (default
 *                                1 s); other codes carry it only when <retryAfterS> is given.
 *       slow:<ms>                wait <ms> before answering (the call is recorded as status 499
 *                                if the client disconnects first)
 *       hang                     never answer; recorded as 499 once the client goes away
 *       drop[:<n>]               send the headers and the first stream chunk, then destroy the
 *                                socket mid-answer (first n calls, all when n is omitted); recorded
 *                                as status 599
 *       usage:<in>:<out>         answer normally but report exactly these token counts
 *       badjson                  answer normally with text that is not the JSON object the agent
 *                                families require
 *   e.g. `status:503:9@gemini` fails only calls made as gemini (so a fallback to claude answers).
 *
 * Usage is deterministic: prompt_tokens = ceil(chars of all messages' text content / 4),
 * completion_tokens = ceil(chars of the answer / 4), unless `usage:<in>:<out>` says otherwise.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const STANDIN_HEADER = 'x-standin';
export const STANDIN_HEADER_VALUE = 'startinsight-ai-provider-standin';
const LOG_PREFIX = '[ai-provider-standin]';

/** The providers the stand-in stands in for; each has its own base path `/<name>/v1`. */
export const STANDIN_PROVIDERS = ['gemini', 'claude', 'openai'] as const;
export type StandinProvider = (typeof STANDIN_PROVIDERS)[number];

/** Model ids the stand-in lists per provider (it answers any id it is asked for). */
export const STANDIN_MODELS: Readonly<Record<StandinProvider, readonly { id: string; standsInFor: string }[]>> = {
  gemini: [
    { id: 'gemini-2.5-flash', standsInFor: 'Google Gemini 2.5 Flash' },
    { id: 'gemini-2.5-pro', standsInFor: 'Google Gemini 2.5 Pro' },
  ],
  claude: [
    { id: 'claude-sonnet-4-5', standsInFor: 'Anthropic Claude Sonnet 4.5' },
    { id: 'claude-haiku-4-5', standsInFor: 'Anthropic Claude Haiku 4.5' },
  ],
  openai: [
    { id: 'gpt-5', standsInFor: 'OpenAI GPT-5' },
    { id: 'gpt-5-mini', standsInFor: 'OpenAI GPT-5 mini' },
  ],
};

export interface StandinCall {
  /** Provider base path the call came in on (`gemini`, `claude`, `openai`), null for `/v1`. */
  provider: StandinProvider | null;
  commandId: string | null;
  /** The whole scenario marker value as found in the prompt. */
  scenario: string;
  /** The scenario entry that applied to this call (`ok` when none). */
  applied: string;
  /** The runtime's message in the prompt (the one with the command marker, at most 4000 characters): what a step was given. */
  message: string;
  model: string | null;
  stream: boolean;
  promptTokens: number;
  completionTokens: number;
  /** HTTP status answered (499 = client went away before the answer, 599 = socket dropped by scenario). */
  status: number;
  /** ISO timestamp of arrival. */
  at: string;
  /** ISO timestamp when the call ended (answered, dropped or abandoned by the client); null while open. */
  endedAt: string | null;
}

export interface ProviderStandin {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `http://127.0.0.1:<port>/v1` (provider-less path, recorded with provider null). */
  baseUrl: string;
  /** `http://127.0.0.1:<port>/<provider>/v1` */
  baseUrlFor(provider: StandinProvider): string;
  port: number;
  calls(): StandinCall[];
  callsFor(commandId: string): StandinCall[];
  /** Completion requests currently open. */
  inFlight(): number;
  /**
   * Largest number of completion requests that were open at the same moment, over the recorded
   * calls that `filter` keeps (all by default).
   */
  maxConcurrency(filter?: (c: StandinCall) => boolean): number;
  reset(): void;
  close(): Promise<void>;
}

export interface ProviderStandinOptions {
  /** 0 (default) = random free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Log sink; default console.log. Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

interface ChatMessage {
  role?: unknown;
  content?: unknown;
}

interface ChatRequest {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
}

export type Scenario =
  | { kind: 'ok' }
  | { kind: 'status'; code: number; times: number; retryAfterS: number | null }
  | { kind: 'slow'; ms: number }
  | { kind: 'hang' }
  | { kind: 'drop'; times: number }
  | { kind: 'usage'; input: number; output: number }
  | { kind: 'badjson' };

export interface ScenarioEntry {
  /** The entry's text without the provider suffix, e.g. `status:503:9`. */
  text: string;
  scenario: Scenario;
  /** Only applies when called as this provider; null = any provider. */
  provider: string | null;
}

const COMMAND_RE = /\[si-command:([^\]\s]+)\]/g;
const SCENARIO_RE = /\[si-scenario:([^\]\s]+)\]/g;

/** Text content of one message: string content or the text parts of an array content. */
function messageText(m: ChatMessage): string {
  const c = m.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    let out = '';
    for (const part of c) {
      if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
        out += (part as { text: string }).text;
      }
    }
    return out;
  }
  return '';
}

function lastMarker(texts: string[], re: RegExp): string | null {
  for (let i = texts.length - 1; i >= 0; i--) {
    const matches = [...(texts[i] ?? '').matchAll(re)];
    const last = matches[matches.length - 1];
    if (last?.[1]) return last[1];
  }
  return null;
}

function count(raw: string | undefined): number {
  if (raw === undefined || raw === '') return Infinity;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : Infinity;
}

/** One scenario entry without provider suffix; unknown text behaves like `ok`. */
export function parseScenario(value: string | null): Scenario {
  if (!value || value === 'ok') return { kind: 'ok' };
  const parts = value.split(':');
  switch (parts[0]) {
    case 'status': {
      const code = Number(parts[1]);
      if (Number.isInteger(code) && code >= 400 && code <= 599) {
        const ra = parts[3] !== undefined ? Number(parts[3]) : NaN;
        return { kind: 'status', code, times: count(parts[2]), retryAfterS: Number.isFinite(ra) && ra >= 0 ? ra : null };
      }
      break;
    }
    case 'slow': {
      const ms = Number(parts[1]);
      if (Number.isFinite(ms) && ms >= 0) return { kind: 'slow', ms };
      break;
    }
    case 'hang':
      return { kind: 'hang' };
    case 'drop':
      return { kind: 'drop', times: count(parts[1]) };
    case 'usage': {
      const input = Number(parts[1]);
      const output = Number(parts[2]);
      if (Number.isInteger(input) && input >= 0 && Number.isInteger(output) && output >= 0) return { kind: 'usage', input, output };
      break;
    }
    case 'badjson':
      return { kind: 'badjson' };
  }
  return { kind: 'ok' };
}

/** Parses a whole marker value: entries joined with `+`, each optionally `@<provider>`. */
export function parseScenarioSpec(value: string | null): ScenarioEntry[] {
  if (!value) return [];
  return value
    .split('+')
    .filter((e) => e.length > 0)
    .map((entry) => {
      const at = entry.lastIndexOf('@');
      const text = at >= 0 ? entry.slice(0, at) : entry;
      const provider = at >= 0 ? normaliseProvider(entry.slice(at + 1)) : null;
      return { text, scenario: parseScenario(text), provider };
    });
}

function normaliseProvider(p: string): string {
  return p.toLowerCase().replace(/-standin$/, '');
}

export function tokensFor(chars: number): number {
  return Math.ceil(chars / 4);
}

function answerFor(commandId: string | null, provider: string | null, model: string | null): string {
  const ref = commandId ?? 'none';
  return JSON.stringify({
    summary: `Stand-in analysis for command ${ref} (provider ${provider ?? 'default'}, model ${model ?? 'unknown'}).`,
    findings: [
      `Finding 1 for ${ref}: produced by the StartInsight AI-provider stand-in, not a real model.`,
      `Finding 2 for ${ref}: deterministic canned content.`,
    ],
  });
}

function badJsonAnswer(commandId: string | null): string {
  return `Here is my analysis for command ${commandId ?? 'none'}: the market looks promising. (Stand-in badjson scenario: this text is deliberately not JSON.)`;
}

function errorBody(code: number): object {
  const type =
    code === 429 ? 'rate_limit_exceeded' :
    code === 401 ? 'invalid_api_key' :
    code === 403 ? 'permission_denied' :
    code === 400 ? 'invalid_request_error' :
    code >= 500 ? 'server_error' : 'api_error';
  const message =
    code === 429 ? 'Rate limit reached (stand-in scripted error).' :
    code === 401 ? 'Incorrect API key provided (stand-in scripted error).' :
    code === 403 ? 'Permission denied for this model (stand-in scripted error).' :
    code === 400 ? 'Invalid request: the prompt was rejected (stand-in scripted error).' :
    `Stand-in scripted error with HTTP status ${code}.`;
  return { error: { message, type, param: null, code: type } };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function maxOverlap(calls: StandinCall[]): number {
  const events: [number, number][] = [];
  for (const c of calls) {
    const start = Date.parse(c.at);
    const end = c.endedAt ? Date.parse(c.endedAt) : Infinity;
    events.push([start, +1], [end, -1]);
  }
  // Ends before starts at the same millisecond: touching intervals do not overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of events) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

export async function startProviderStandin(opts: ProviderStandinOptions = {}): Promise<ProviderStandin> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((line: string) => console.log(line));
  const recorded: StandinCall[] = [];
  /** Calls an entry applied to, per `${commandId}|${entry}`, for status:<code>:<n> and drop:<n>. */
  const attempts = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  let open = 0;

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      [STANDIN_HEADER]: STANDIN_HEADER_VALUE,
      ...headers,
    });
    res.end(text);
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handleCompletions(provider: StandinProvider | null, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = new Date().toISOString();
    let body: ChatRequest;
    try {
      body = JSON.parse(await readBody(req)) as ChatRequest;
    } catch {
      send(res, 400, errorBody(400));
      return;
    }
    const messages: ChatMessage[] = Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
    const texts = messages.map(messageText);
    const promptChars = texts.reduce((n, t) => n + t.length, 0);
    const commandId = lastMarker(texts, COMMAND_RE);
    const scenarioText = lastMarker(texts, SCENARIO_RE) ?? 'ok';
    const entry = parseScenarioSpec(scenarioText).find((e) => e.provider === null || e.provider === provider) ?? null;
    const scenario: Scenario = entry?.scenario ?? { kind: 'ok' };
    const model = typeof body.model === 'string' ? body.model : null;
    const stream = body.stream === true;
    const includeUsage = stream && body.stream_options?.include_usage === true;

    let attempt = 0;
    if (entry) {
      const key = `${commandId ?? ''}|${entry.text}@${entry.provider ?? '*'}`;
      attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
    }

    const call: StandinCall = {
      provider, commandId, scenario: scenarioText, applied: entry ? `${entry.text}${entry.provider ? `@${entry.provider}` : ''}` : 'ok',
      message: ([...texts].reverse().find((t) => t.includes('[si-command:')) ?? '').slice(0, 4000),
      model, stream, promptTokens: tokensFor(promptChars), completionTokens: 0, status: 200, at, endedAt: null,
    };
    recorded.push(call);
    open++;
    const what = `${provider ?? 'default'}/${model ?? '?'} command=${commandId ?? '-'} scenario=${scenarioText}`;

    const gone = new AbortController();
    res.on('close', () => {
      open--;
      call.endedAt = new Date().toISOString();
      if (!res.writableFinished) {
        gone.abort();
        if (call.status === 200) call.status = 499;
      }
    });

    if (scenario.kind === 'status' && attempt <= scenario.times) {
      call.status = scenario.code;
      const headers: Record<string, string> = {};
      if (scenario.retryAfterS !== null) headers['retry-after'] = String(scenario.retryAfterS);
      else if (scenario.code === 429) headers['retry-after'] = '1';
      log(`${LOG_PREFIX} ${what} attempt=${attempt} -> HTTP ${scenario.code} (scripted)`);
      send(res, scenario.code, errorBody(scenario.code), headers);
      return;
    }
    if (scenario.kind === 'slow') {
      await sleep(scenario.ms, gone.signal);
      if (gone.signal.aborted) {
        log(`${LOG_PREFIX} ${what} client went away`);
        return;
      }
    }
    if (scenario.kind === 'hang') {
      log(`${LOG_PREFIX} ${what} hanging until the client goes away`);
      await new Promise<void>((resolve) => (gone.signal.aborted ? resolve() : gone.signal.addEventListener('abort', () => resolve(), { once: true })));
      log(`${LOG_PREFIX} ${what} client went away`);
      return;
    }

    const answer = scenario.kind === 'badjson' ? badJsonAnswer(commandId) : answerFor(commandId, provider, model);
    const promptTokens = scenario.kind === 'usage' ? scenario.input : call.promptTokens;
    const completionTokens = scenario.kind === 'usage' ? scenario.output : tokensFor(answer.length);
    call.promptTokens = promptTokens;
    call.completionTokens = completionTokens;
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0 },
    };
    const id = `chatcmpl-standin-${recorded.length}`;
    const created = Math.floor(Date.now() / 1000);
    const drop = scenario.kind === 'drop' && attempt <= scenario.times;

    if (!stream) {
      if (drop) {
        call.status = 599;
        log(`${LOG_PREFIX} ${what} attempt=${attempt} -> dropping the socket (scripted)`);
        res.writeHead(200, { 'content-type': 'application/json', [STANDIN_HEADER]: STANDIN_HEADER_VALUE });
        res.write('{"id":"');
        res.destroy();
        return;
      }
      log(`${LOG_PREFIX} ${what} stream=false prompt_tokens=${promptTokens} completion_tokens=${completionTokens} -> HTTP 200`);
      send(res, 200, {
        id, object: 'chat.completion', created, model: model ?? 'unknown', system_fingerprint: 'standin',
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop', logprobs: null }],
        usage,
      });
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      [STANDIN_HEADER]: STANDIN_HEADER_VALUE,
    });
    const chunk = (choices: unknown[], extra: object = {}): void => {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: model ?? 'unknown', choices, ...extra })}\n\n`);
    };
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    // Split the answer in a few pieces so streaming consumers see more than one delta.
    const pieces = 4;
    const size = Math.ceil(answer.length / pieces);
    if (drop) {
      call.status = 599;
      chunk([{ index: 0, delta: { content: answer.slice(0, size) }, finish_reason: null }]);
      log(`${LOG_PREFIX} ${what} attempt=${attempt} -> dropping the socket mid-stream (scripted)`);
      // Let the first chunk reach the client before the connection is cut.
      setTimeout(() => res.destroy(), 50);
      return;
    }
    log(`${LOG_PREFIX} ${what} stream=true prompt_tokens=${promptTokens} completion_tokens=${completionTokens} -> HTTP 200`);
    for (let i = 0; i < answer.length; i += size) {
      chunk([{ index: 0, delta: { content: answer.slice(i, i + size) }, finish_reason: null }]);
    }
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    if (includeUsage) chunk([], { usage });
    res.end('data: [DONE]\n\n');
  }

  function modelsBody(provider: StandinProvider | null): object {
    const list = provider ? STANDIN_MODELS[provider] : STANDIN_PROVIDERS.flatMap((p) => STANDIN_MODELS[p]);
    return {
      object: 'list',
      data: list.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: 'startinsight-standin', description: `stand-in for ${m.standsInFor}` })),
    };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const pathname = url.pathname.replace(/\/+$/, '');
    // /<provider>/v1/... or /v1/...
    const m = /^(?:\/([a-z][a-z0-9-]*))?(\/v1\/.*)$/.exec(pathname);
    const prefix = m?.[1];
    const provider = prefix && (STANDIN_PROVIDERS as readonly string[]).includes(prefix) ? (prefix as StandinProvider) : null;
    const known = m !== null && (prefix === undefined || provider !== null);
    const route = known ? `${req.method} ${m?.[2]}` : `${req.method} ${pathname}`;
    void (async () => {
      switch (route) {
        case 'POST /v1/chat/completions':
          return handleCompletions(provider, req, res);
        case 'GET /v1/models':
          return send(res, 200, modelsBody(provider));
        case 'GET /_standin/calls': {
          const commandId = url.searchParams.get('commandId');
          return send(res, 200, { calls: commandId === null ? recorded : recorded.filter((c) => c.commandId === commandId) });
        }
        case 'POST /_standin/reset':
          recorded.length = 0;
          attempts.clear();
          return send(res, 200, { ok: true });
        default:
          return send(res, 404, { error: { message: `stand-in: no route ${req.method} ${pathname}`, type: 'not_found', param: null, code: 'not_found' } });
      }
    })().catch((err: unknown) => {
      log(`${LOG_PREFIX} handler error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) send(res, 500, errorBody(500));
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;
  log(
    `${LOG_PREFIX} STAND-IN for Gemini/Claude/OpenAI (not a real model) listening on ${origin}; ` +
      STANDIN_PROVIDERS.map((p) => `${origin}/${p}/v1 (${STANDIN_MODELS[p].map((x) => x.id).join(', ')})`).join('; '),
  );

  return {
    origin,
    baseUrl: `${origin}/v1`,
    baseUrlFor: (provider: StandinProvider) => `${origin}/${provider}/v1`,
    port,
    calls: () => recorded.map((c) => ({ ...c })),
    callsFor: (commandId: string) => recorded.filter((c) => c.commandId === commandId).map((c) => ({ ...c })),
    inFlight: () => open,
    maxConcurrency: (filter?: (c: StandinCall) => boolean) => maxOverlap(filter ? recorded.filter(filter) : recorded),
    reset: () => {
      recorded.length = 0;
      attempts.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
