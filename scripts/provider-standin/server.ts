/**
 * AI-provider STAND-IN for Gemini / Claude / OpenAI.
 *
 * An OpenAI-compatible HTTP server (node:http only) that the OpenClaw gateway is configured to
 * call instead of a real model provider, so the whole runtime can run offline and tests can
 * script provider behaviour. It is NOT a model: answers are canned and derived from the request.
 *
 *   POST /v1/chat/completions   streaming (SSE, final usage chunk when
 *                               stream_options.include_usage) and non-streaming
 *   GET  /v1/models             the stand-in model ids
 *   GET  /_standin/calls[?commandId=ID]   recorded calls as JSON (for tests in another process)
 *   POST /_standin/reset        forget recorded calls and scenario counters
 *
 * Every response carries the header `x-standin: startinsight-ai-provider-standin`.
 *
 * Markers (plain text anywhere in the messages; the last occurrence wins, so the newest user
 * turn of a reused session decides):
 *   [si-command:<id>]      attributes the call to a runtime command (recorded as commandId)
 *   [si-scenario:<value>]  selects behaviour (default `ok`):
 *       ok                       answer normally
 *       status:<code>[:<n>[:<retryAfterS>]]
 *                                answer HTTP <code> with an OpenAI-style error body for the first
 *                                n calls of that command (all calls when n is omitted), then ok.
 *                                429 carries `Retry-After` (default 1 s).
 *       slow:<ms>                wait <ms> before answering (the call is recorded as status 499
 *                                if the client disconnects first)
 *
 * Usage is deterministic: prompt_tokens = ceil(chars of all messages' text content / 4),
 * completion_tokens = ceil(chars of the answer / 4).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const STANDIN_HEADER = 'x-standin';
export const STANDIN_HEADER_VALUE = 'startinsight-ai-provider-standin';
const LOG_PREFIX = '[ai-provider-standin]';

/** Model ids the stand-in serves; each stands in for one real vendor. */
export const STANDIN_MODELS = [
  { id: 'gemini-standin', standsInFor: 'Google Gemini' },
  { id: 'claude-standin', standsInFor: 'Anthropic Claude' },
  { id: 'openai-standin', standsInFor: 'OpenAI GPT' },
] as const;

export interface StandinCall {
  commandId: string | null;
  scenario: string;
  model: string | null;
  stream: boolean;
  promptTokens: number;
  completionTokens: number;
  /** HTTP status answered (499 = client went away before the answer). */
  status: number;
  /** ISO timestamp of arrival. */
  at: string;
}

export interface ProviderStandin {
  /** e.g. http://127.0.0.1:18790/v1 */
  baseUrl: string;
  port: number;
  calls(): StandinCall[];
  callsFor(commandId: string): StandinCall[];
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

type Scenario =
  | { kind: 'ok' }
  | { kind: 'status'; code: number; times: number; retryAfterS: number }
  | { kind: 'slow'; ms: number };

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

export function parseScenario(value: string | null): Scenario {
  if (!value || value === 'ok') return { kind: 'ok' };
  const parts = value.split(':');
  if (parts[0] === 'status') {
    const code = Number(parts[1]);
    if (Number.isInteger(code) && code >= 400 && code <= 599) {
      const times = parts[2] !== undefined && parts[2] !== '' ? Number(parts[2]) : Infinity;
      const retryAfterS = parts[3] !== undefined ? Number(parts[3]) : 1;
      return {
        kind: 'status',
        code,
        times: Number.isFinite(times) && times >= 0 ? times : Infinity,
        retryAfterS: Number.isFinite(retryAfterS) && retryAfterS >= 0 ? retryAfterS : 1,
      };
    }
  }
  if (parts[0] === 'slow') {
    const ms = Number(parts[1]);
    if (Number.isFinite(ms) && ms >= 0) return { kind: 'slow', ms };
  }
  // Unknown scenarios behave like ok; a later issue may add more kinds here.
  return { kind: 'ok' };
}

export function tokensFor(chars: number): number {
  return Math.ceil(chars / 4);
}

function answerFor(commandId: string | null, model: string | null): string {
  const ref = commandId ?? 'none';
  return JSON.stringify({
    summary: `Stand-in analysis for command ${ref} (model ${model ?? 'unknown'}).`,
    findings: [
      `Finding 1 for ${ref}: produced by the StartInsight AI-provider stand-in, not a real model.`,
      `Finding 2 for ${ref}: deterministic canned content.`,
    ],
  });
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

export async function startProviderStandin(opts: ProviderStandinOptions = {}): Promise<ProviderStandin> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((line: string) => console.log(line));
  const recorded: StandinCall[] = [];
  /** Calls seen per `${commandId}|${scenario}`, for status:<code>:<n>. */
  const attempts = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();

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

  async function handleCompletions(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
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
    const scenario = parseScenario(scenarioText);
    const model = typeof body.model === 'string' ? body.model : null;
    const stream = body.stream === true;
    const includeUsage = stream && body.stream_options?.include_usage === true;
    const promptTokens = tokensFor(promptChars);

    const key = `${commandId ?? ''}|${scenarioText}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);

    const call: StandinCall = {
      commandId, scenario: scenarioText, model, stream, promptTokens, completionTokens: 0, status: 200, at,
    };
    recorded.push(call);

    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });

    if (scenario.kind === 'status' && attempt <= scenario.times) {
      call.status = scenario.code;
      const headers: Record<string, string> = {};
      if (scenario.code === 429) headers['retry-after'] = String(scenario.retryAfterS);
      log(`${LOG_PREFIX} ${model ?? '?'} command=${commandId ?? '-'} scenario=${scenarioText} attempt=${attempt} -> HTTP ${scenario.code} (scripted)`);
      send(res, scenario.code, errorBody(scenario.code), headers);
      return;
    }
    if (scenario.kind === 'slow') {
      await sleep(scenario.ms, gone.signal);
      if (gone.signal.aborted) {
        call.status = 499;
        log(`${LOG_PREFIX} ${model ?? '?'} command=${commandId ?? '-'} scenario=${scenarioText} client went away`);
        return;
      }
    }

    const answer = answerFor(commandId, model);
    const completionTokens = tokensFor(answer.length);
    call.completionTokens = completionTokens;
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0 },
    };
    const id = `chatcmpl-standin-${recorded.length}`;
    const created = Math.floor(Date.now() / 1000);
    log(`${LOG_PREFIX} ${model ?? '?'} command=${commandId ?? '-'} scenario=${scenarioText} stream=${stream} prompt_tokens=${promptTokens} completion_tokens=${completionTokens} -> HTTP 200`);

    if (!stream) {
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
    for (let i = 0; i < answer.length; i += size) {
      chunk([{ index: 0, delta: { content: answer.slice(i, i + size) }, finish_reason: null }]);
    }
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    if (includeUsage) chunk([], { usage });
    res.end('data: [DONE]\n\n');
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    void (async () => {
      switch (route) {
        case 'POST /v1/chat/completions':
          return handleCompletions(req, res);
        case 'GET /v1/models':
          return send(res, 200, {
            object: 'list',
            data: STANDIN_MODELS.map((m) => ({
              id: m.id, object: 'model', created: 0, owned_by: 'startinsight-standin', description: `stand-in for ${m.standsInFor}`,
            })),
          });
        case 'GET /_standin/calls': {
          const commandId = url.searchParams.get('commandId');
          return send(res, 200, { calls: commandId === null ? recorded : recorded.filter((c) => c.commandId === commandId) });
        }
        case 'POST /_standin/reset':
          recorded.length = 0;
          attempts.clear();
          return send(res, 200, { ok: true });
        default:
          return send(res, 404, { error: { message: `stand-in: no route ${route}`, type: 'not_found', param: null, code: 'not_found' } });
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
  const baseUrl = `http://${host}:${port}/v1`;
  log(`${LOG_PREFIX} STAND-IN for Gemini/Claude/OpenAI (not a real model) listening on ${baseUrl}; models: ${STANDIN_MODELS.map((m) => m.id).join(', ')}`);

  return {
    baseUrl,
    port,
    calls: () => recorded.map((c) => ({ ...c })),
    callsFor: (commandId: string) => recorded.filter((c) => c.commandId === commandId).map((c) => ({ ...c })),
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
