import { POLICY_PROFILE_NAMES } from '../policy/profiles';
import { DEFAULT_MEMORY_MAX_BYTES } from '../memory';
import { DEFAULT_CONTINUE_AS_NEW_EVENTS } from '../pipelines/contract';
import { DEFAULT_PROMPT_OVERHEAD_TOKENS, priceTableSchema } from '../pricing';
import { PARITY_RULES_ALLOWED, parityRulesSchema } from '../../shadow/rules';
import { boolKey, enumKey, intKey, jsonKey, numberKey, optionalIntKey, optionalStringKey, optionalUrlKey, stringKey, urlKey, type ConfigKeySpec } from './keys';

/** The pinned OpenClaw gateway; must match toolchain/openclaw/package-lock.json (a test checks). */
export const PINNED_OPENCLAW_VERSION = '2026.9.6';

/** Every key the runtime reads from the environment. Order is the README's order. */
export const CONFIG_KEYS = {
  RUNTIME_ENABLED: boolKey(true, {
    description: 'Master switch. When false the API refuses new commands with 503 runtime_disabled; reads and in-flight workflows continue.',
    production: 'Flip to false to stop intake during an incident or a rollback to the legacy path.',
  }),
  RUNTIME_SHADOW_MODE: boolKey(false, {
    description: 'Run commands non-authoritatively beside the legacy executor; results are projected and marked shadow.',
    production: 'true during the parallel-run phase before cutover.',
  }),
  RUNTIME_SHADOW_PARITY_THRESHOLD: numberKey(0.95, 0, 1, {
    description: 'Lowest parity rate (matched / compared pairs) each agent family must reach for the shadow parity gate to pass.',
    production: '0.95 or stricter before cutover; a family below it names its mismatches in GET /admin/runtime/shadow/parity.',
  }),
  RUNTIME_SHADOW_PARITY_RULES: jsonKey(parityRulesSchema, PARITY_RULES_ALLOWED, {
    description: 'How output fields of a legacy/runtime pair are compared, per agent family (* for the rest). Unset: summary and findings must be present on both sides.',
    production: 'Add exact or numeric-tolerance rules for structured fields the legacy executor returns.',
  }),
  RUNTIME_SHADOW_LATENCY_TOLERANCE_MS: intKey(5000, 0, 3600000, {
    description: 'Largest latency difference (runtime execution ms vs legacy latencyMs) a pair may have and still match.',
    production: 'Above the usual provider jitter; the runtime adds Temporal scheduling on top of model time.',
  }),
  RUNTIME_SHADOW_COST_TOLERANCE_USD: numberKey(0.01, 0, 1000, {
    description: 'Largest cost difference (USD) a pair may have and still match.',
    production: 'About one typical attempt\'s cost variance; both sides price the same tokens.',
  }),
  RUNTIME_OPENCLAW_VERSION: stringKey(PINNED_OPENCLAW_VERSION, /^\d{4}\.\d{1,2}\.\d{1,2}$/, 'an OpenClaw release like 2026.9.6', {
    description: 'The gateway version the adapter was checked against; the gateway must report exactly this in its handshake.',
    production: 'Change only together with the compatibility suite passing against the new version.',
  }),
  RUNTIME_MAX_CONCURRENCY: intKey(20, 1, 1000, {
    description: 'Agent attempts one worker runs at once (Temporal activity slots and concurrent gateway runs).',
    production: 'Size to what the gateway sustains (about 5 runs/s on 2 cores); more only queues inside the gateway.',
  }),
  RUNTIME_START_WAIT_MS: intKey(20, 0, 60000, {
    description: 'How long POST /v1/commands waits for the workflow start before answering 202 anyway; the start then goes on in the background (the command row is the durable record, status accepted until the workflow runs). Not waited at all while recent starts took longer than this (Temporal saturated: the answer would come at the end of the wait regardless).',
    production: 'Default: keeps submit latency flat when Temporal is saturated. Clients follow statusUrl; they must not assume the workflow exists at 202.',
  }),
  RUNTIME_START_CONCURRENCY: intKey(16, 1, 512, {
    description: 'Workflow starts one API process has in flight at once (submissions and the start sweep).',
    production: 'Default; raise only if starts queue (the API log says so) while Temporal is healthy.',
  }),
  RUNTIME_START_SWEEP_SECONDS: intKey(10, 1, 3600, {
    description: 'A command accepted this long ago whose workflow start never went through (its API process died, Temporal was away) is started by the start sweep of any API replica.',
    production: 'Default; the sweep is idempotent, several replicas sweeping is harmless.',
  }),
  RUNTIME_POLICY_PROFILE_DEFAULT: enumKey(POLICY_PROFILE_NAMES, 'standard_async', {
    description: 'Policy profile for commands that name none.',
    production: 'standard_async unless most traffic is interactive.',
  }),
  RUNTIME_REPLAY_ENABLED: boolKey(false, {
    description: 'Allows admins to replay dead-lettered commands.',
    production: 'Enable once dead-letter handling is staffed; replays re-spend tokens.',
  }),
  RUNTIME_DEAD_LETTER_THRESHOLD: optionalIntKey(1, 100, {
    description: 'Overrides every profile\'s dead-letter threshold (attempts) when set.',
    production: 'Leave unset; tune per profile instead.',
  }),
  RUNTIME_EVENT_SSE_ENABLED: boolKey(true, {
    description: 'Serves lifecycle events to admins over SSE.',
    production: 'true; disable only to shed load.',
  }),
  RUNTIME_EVENT_SSE_HEARTBEAT_MS: intKey(15000, 500, 60000, {
    description: 'Longest silence on an SSE stream before the API sends a heartbeat comment.',
    production: 'Below every proxy idle timeout in front of the API (15 s suits most).',
  }),
  RUNTIME_EVENT_SSE_STALL_MS: intKey(30000, 1000, 600000, {
    description: 'An SSE client that takes nothing written to it for this long is disconnected (it resumes with Last-Event-ID).',
    production: 'Keep: it is what bounds memory for clients that stop reading.',
  }),
  RUNTIME_EVENT_STREAM_MAX_LENGTH: intKey(100000, 1000, 10000000, {
    description: 'Retention of the Redis event stream, in events (XADD MAXLEN ~); older events are trimmed.',
    production: 'About a day of events: roughly 8 events per command times commands per day.',
  }),
  RUNTIME_EVENT_BUFFER_LIMIT: intKey(10000, 100, 1000000, {
    description: 'Events a process keeps in memory while Redis is unreachable; beyond it the oldest are dropped (counted in si_events_dropped_total).',
    production: 'Keep; alert on si_events_dropped_total > 0.',
  }),
  RUNTIME_ALERT_EVAL_INTERVAL_MS: intKey(60000, 0, 3600000, {
    description: 'How often the API evaluates the alert rules over RUNTIME_ALERT_WINDOW_MINUTES (0 switches evaluation off).',
    production: '60000 in one API replica at least; replicas publish each transition once (dedupe).',
  }),
  RUNTIME_ALERT_WINDOW_MINUTES: intKey(60, 1, 10080, {
    description: 'Window the alert rules and the si_slo_* gauges look back over.',
    production: '60 for paging alerts; ask /admin/runtime/slo for longer windows.',
  }),
  RUNTIME_PRICE_TABLE: jsonKey(priceTableSchema, 'JSON object {"<provider>/<model>": {"inputPerMillion": n, "outputPerMillion": n, "maxOutputTokens"?: n}}', {
    description: 'USD per million tokens per model, merged over the built-in table (runtime/pricing.ts); attempts are priced and capped with it.',
    production: 'Set when a vendor changes prices or a model is added, without a release.',
  }),
  RUNTIME_PROMPT_OVERHEAD_TOKENS: intKey(DEFAULT_PROMPT_OVERHEAD_TOKENS, 0, 1000000, {
    description: 'Prompt tokens the gateway adds to every agent message (system prompt, tools); part of an attempt\'s worst-case cost.',
    production: 'Above the largest prompt_tokens seen per attempt minus the message itself; too low lets an attempt cross its cost cap.',
  }),
  RUNTIME_MEMORY_MAX_BYTES: intKey(DEFAULT_MEMORY_MAX_BYTES, 1024, 16777216, {
    description: 'Largest memory snapshot of a pipeline run (command input plus step outputs), in bytes; a step whose output would pass it fails as invalid_output.',
    production: 'Keep well below PostgreSQL row comfort (a few MB); snapshots are kept per step.',
  }),
  RUNTIME_PIPELINE_CONTINUE_AS_NEW_EVENTS: intKey(DEFAULT_CONTINUE_AS_NEW_EVENTS, 20, 50000, {
    description: 'History length (events) after which a pipeline run continues as new between steps, carrying only its memory reference.',
    production: 'Keep 10000: well below Temporal\'s 51200-event limit and its 50 MB history warning.',
  }),
  RUNTIME_SCHEDULE_ID_PREFIX: stringKey('si-', /^[a-z0-9][a-z0-9-]{0,31}$/, '1-32 characters of a-z 0-9 -, starting with a letter or digit', {
    description: 'Prefix of the Temporal Schedule ids the schedule sync owns: it creates, updates and deletes only these.',
    production: 'One prefix per environment sharing a namespace.',
  }),
  RUNTIME_SCHEDULE_SYNC_ON_START: boolKey(true, {
    description: 'The worker syncs Temporal Schedules with agent_configurations when it starts (also: npm run schedules:sync).',
    production: 'true; concurrent syncs are serialised by a PostgreSQL advisory lock.',
  }),
  RUNTIME_MAX_INPUT_BYTES: intKey(65536, 1024, 1048576, {
    description: 'Largest accepted command request body, in bytes; larger answers 413.',
    production: 'Keep small: inputs travel through Temporal history (2 MB per payload limit).',
  }),
  RUNTIME_MAX_ADMIN_BODY_BYTES: intKey(16384, 1024, 1048576, {
    description: 'Largest accepted request body under /admin/runtime/*, in bytes (replay reasons, notes, filters); larger answers 413.',
    production: 'Keep small: admin bodies are a few fields.',
  }),
  RUNTIME_MAX_JSON_DEPTH: intKey(32, 2, 256, {
    description: 'Deepest nesting of objects and arrays a JSON request body may have; deeper answers 400 json_too_deep before the body is parsed.',
    production: 'Keep: command inputs are shallow; deep nesting only costs parser and validator time.',
  }),
  RUNTIME_AUTH_JWT_SECRET: optionalStringKey(/^\S{32,512}$/, '32-512 non-space characters', {
    description: 'HS256 shared secret of the identity provider (Supabase: Settings > API > JWT secret). Unset: HS256 tokens are refused.',
    production: 'From the secret store; or leave unset and use RUNTIME_AUTH_JWKS_URL (asymmetric keys).',
    secret: true,
  }),
  RUNTIME_AUTH_JWKS_URL: optionalUrlKey(['https:', 'http:'], {
    description: 'JWKS of the identity provider for RS256/ES256 tokens (Supabase: https://<project>.supabase.co/auth/v1/.well-known/jwks.json), fetched and cached. Unset: asymmetric tokens are refused.',
    production: 'https:// only.',
  }),
  RUNTIME_AUTH_JWKS_CACHE_SECONDS: intKey(600, 10, 86400, {
    description: 'How long fetched JWKS keys are trusted before they are fetched again (a token with an unknown kid refetches at once, at most every 30 s).',
    production: 'Keep 600: key rotation shows up within 10 minutes.',
  }),
  RUNTIME_AUTH_JWT_ISSUER: optionalStringKey(/^\S{1,512}$/, '1-512 non-space characters', {
    description: 'Required iss claim of JWTs (Supabase: https://<project>.supabase.co/auth/v1). Unset: iss is not checked.',
    production: 'Set it: it stops tokens of another project signed with a shared key.',
  }),
  RUNTIME_AUTH_JWT_AUDIENCE: stringKey('authenticated', /^\S{1,512}$/, '1-512 non-space characters', {
    description: 'Required aud claim of JWTs (Supabase signs user tokens for authenticated).',
    production: 'authenticated for Supabase.',
  }),
  API_TRUST_PROXY_HOPS: intKey(0, 0, 10, {
    description: 'How many reverse proxies in front of the API append X-Forwarded-For; the client IP for rate limiting is read that many hops back. 0: the socket address.',
    production: 'The number of load balancers in front of the API (often 1); never more, or clients can forge their IP.',
  }),
  RUNTIME_RATE_LIMIT_IP_PER_MINUTE: intKey(1200, 1, 10000000, {
    description: 'Requests one client IP may make per minute (all routes but /healthz and /readyz), counted in Redis across API replicas; beyond it 429 with Retry-After.',
    production: 'Above what a NAT of legitimate clients sends; the per-identity limit is the finer one.',
  }),
  RUNTIME_RATE_LIMIT_PRINCIPAL_PER_MINUTE: intKey(600, 1, 10000000, {
    description: 'Requests one authenticated identity (API key or token subject) may make per minute, counted in Redis across API replicas; beyond it 429 with Retry-After.',
    production: 'Size to the busiest machine client; when Redis is down each replica enforces it alone.',
  }),
  DATABASE_URL: urlKey('postgresql://root@127.0.0.1:5432/startinsight_runtime', ['postgresql:', 'postgres:'], {
    description: 'PostgreSQL for the projections (runtime_* tables) and agent configuration.',
    production: 'A dedicated database; the start script creates and migrates it.',
  }),
  REDIS_URL: urlKey('redis://127.0.0.1:6379', ['redis:', 'rediss:'], {
    description: 'Redis for lifecycle events.',
    production: 'rediss:// with auth in production.',
  }),
  REDIS_KEY_PREFIX: stringKey('si:', /^[A-Za-z0-9:_-]{1,64}$/, '1-64 characters of A-Z a-z 0-9 : _ -', {
    description: 'Prefix of every Redis key the runtime writes, so several runtimes or tests share one Redis.',
    production: 'One prefix per environment.',
  }),
  TEMPORAL_ADDRESS: stringKey('127.0.0.1:7233', /^[A-Za-z0-9.-]+:\d{1,5}$/, 'host:port', {
    description: 'Temporal frontend gRPC address.',
    production: 'The cluster frontend (temporal-docker/ shows one).',
  }),
  TEMPORAL_NAMESPACE: stringKey('default', /^[A-Za-z0-9._-]{1,64}$/, '1-64 characters of A-Z a-z 0-9 . _ -', {
    description: 'Temporal namespace for every workflow and schedule.',
    production: 'A namespace per environment.',
  }),
  TEMPORAL_TASK_QUEUE: stringKey('startinsight-runtime', /^[A-Za-z0-9._-]{1,128}$/, '1-128 characters of A-Z a-z 0-9 . _ -', {
    description: 'Task queue the worker polls and the API starts workflows on.',
    production: 'Keep the default unless workers are split by agent family.',
  }),
  OPENCLAW_GATEWAY_URL: urlKey('ws://127.0.0.1:18789', ['ws:', 'wss:'], {
    description: 'WebSocket URL of the OpenClaw gateway.',
    production: 'wss:// when the gateway is not on loopback.',
  }),
  OPENCLAW_GATEWAY_TOKEN: stringKey('startinsight-dev-token', /^\S{16,512}$/, '16-512 non-space characters', {
    description: 'Shared token the gateway was started with. Never logged.',
    production: 'A random secret from the secret store; the default is for local development only.',
    secret: true,
  }),
  API_HOST: stringKey('127.0.0.1', /^[A-Za-z0-9.:-]{1,255}$/, 'a host name or IP address', {
    description: 'Interface the API listens on.',
    production: '0.0.0.0 behind a load balancer.',
  }),
  API_PORT: intKey(8080, 0, 65535, {
    description: 'Port of the API (0 picks a free one; tests use that).',
    production: 'Whatever the load balancer targets.',
  }),
  WORKER_METRICS_HOST: stringKey('127.0.0.1', /^[A-Za-z0-9.:-]{1,255}$/, 'a host name or IP address', {
    description: 'Interface the worker serves GET /metrics on (the API serves its own on API_PORT).',
    production: '0.0.0.0 where Prometheus scrapes from another host.',
  }),
  WORKER_METRICS_PORT: intKey(9464, 0, 65535, {
    description: 'Port of the worker\'s GET /metrics (0 picks a free one and logs it).',
    production: 'A fixed port per worker for the Prometheus scrape config.',
  }),
  RUNTIME_BACKGROUND_NICENESS: intKey(10, 0, 19, {
    description: 'CPU priority (nice value) at which `npm start` and the benchmark run the worker and the Temporal dev server, below the API, so submissions stay quick while a backlog drains on a shared host. 0 runs them at the API\'s priority.',
    production: 'Only where processes share cores; where each has its own CPU (containers with CPU requests) it does nothing useful.',
  }),
  LOG_LEVEL: enumKey(['error', 'warn', 'info', 'debug'] as const, 'info', {
    description: 'Lowest level written to the JSON log.',
    production: 'info',
  }),
} satisfies Record<string, ConfigKeySpec<unknown>>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export type RuntimeConfig = {
  [K in ConfigKey]: (typeof CONFIG_KEYS)[K] extends ConfigKeySpec<infer T> ? T : never;
};
