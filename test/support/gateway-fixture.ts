/**
 * Test fixture: the AI-provider stand-in plus a real, pinned OpenClaw gateway in a temporary state
 * dir on random free ports. One instance per test process (the gateway needs ~1.4 GB RSS and
 * 10-15 s to start), shared by reference count: every caller gets the same instance and the last
 * `stop()` shuts it down. Requires `bash scripts/install-gateway.sh` to have run.
 *
 * Env: KEEP_GATEWAY_STATE=1 keeps the temp state dir (gateway.log, standin.log) after stop;
 *      STANDIN_LOG=console prints the stand-in's log lines instead of writing standin.log.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { standinProviders, startGateway, type ProviderRetrySettings, type RunningGateway } from '../../scripts/gateway/launch';
import { startProviderStandin, type ProviderStandin } from '../../scripts/provider-standin/server';

export interface GatewayFixture {
  gatewayUrl: string;
  token: string;
  standin: ProviderStandin;
  stateDir: string;
  gatewayLogFile: string;
  gatewayPid: number;
  /** Milliseconds from spawn until the gateway accepted a v4 connect. */
  readyMs: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Shared {
  gateway: RunningGateway;
  standin: ProviderStandin;
  token: string;
  stateDir: string;
  readyMs: number;
}

let shared: Promise<Shared> | null = null;
let refs = 0;

async function create(): Promise<Shared> {
  const stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'si-gateway-'));
  const standinLog = path.join(stateDir, 'standin.log');
  const log =
    process.env.STANDIN_LOG === 'console'
      ? (line: string) => console.log(line)
      : (line: string) => fs.appendFileSync(standinLog, `${new Date().toISOString()} ${line}\n`);
  const standin = await startProviderStandin({ port: 0, log });
  const token = randomBytes(24).toString('hex');
  const started = Date.now();
  try {
    const gateway = await startGateway({
      stateDir,
      port: await freePort(),
      token,
      providers: standinProviders(standin.origin),
    });
    return { gateway, standin, token, stateDir, readyMs: Date.now() - started };
  } catch (err) {
    await standin.close();
    throw err;
  }
}

export async function startGatewayFixture(): Promise<GatewayFixture> {
  refs++;
  if (!shared) {
    shared = create();
    shared.catch(() => {
      shared = null;
    });
  }
  let s: Shared;
  try {
    s = await shared;
  } catch (err) {
    refs--;
    throw err;
  }
  let stopped = false;
  return {
    gatewayUrl: s.gateway.url,
    token: s.token,
    standin: s.standin,
    stateDir: s.stateDir,
    gatewayLogFile: s.gateway.logFile,
    gatewayPid: s.gateway.pid,
    readyMs: s.readyMs,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      refs--;
      if (refs > 0) return;
      shared = null;
      await s.gateway.stop();
      await s.standin.close();
      if (process.env.KEEP_GATEWAY_STATE !== '1') await fsp.rm(s.stateDir, { recursive: true, force: true });
    },
  };
}

export interface GatewayInstanceOptions {
  /** Stand-in to put behind the gateway (default: a new one, closed by stop()). */
  standin?: ProviderStandin;
  /** Default: a free port. */
  port?: number;
  providerRetry?: ProviderRetrySettings | null;
  providerTimeoutSeconds?: number;
  /** Spawn now (default) or leave it to start() (e.g. to connect before the gateway is up). */
  start?: boolean;
}

/**
 * A gateway of its own (not shared), for tests that stop, restart or poison it (a provider 401
 * disables that provider's key in the gateway for about a minute). Same port and state dir across
 * start()/stop(), so a restart looks like the same gateway coming back.
 */
export interface GatewayInstance {
  gatewayUrl: string;
  port: number;
  token: string;
  standin: ProviderStandin;
  stateDir: string;
  readonly running: RunningGateway | null;
  /**
   * Spawns the gateway (config rewritten, `overrides` on top of the instance options) and waits
   * until it accepts a v4 connect; resolves with the ready time in ms.
   */
  start(overrides?: Pick<GatewayInstanceOptions, 'providerRetry' | 'providerTimeoutSeconds'>): Promise<number>;
  /** SIGTERM (SIGKILL after 10 s) and wait for the exit; the state dir stays. */
  stopGateway(): Promise<void>;
  /** Stops everything and removes the state dir (KEEP_GATEWAY_STATE=1 keeps it). */
  stop(): Promise<void>;
}

export async function startGatewayInstance(opts: GatewayInstanceOptions = {}): Promise<GatewayInstance> {
  const stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'si-gateway-own-'));
  const ownStandin = !opts.standin;
  const standin =
    opts.standin ??
    (await startProviderStandin({ port: 0, log: (line: string) => fs.appendFileSync(path.join(stateDir, 'standin.log'), `${new Date().toISOString()} ${line}\n`) }));
  const port = opts.port ?? (await freePort());
  const token = randomBytes(24).toString('hex');
  let running: RunningGateway | null = null;
  const inst: GatewayInstance = {
    gatewayUrl: `ws://127.0.0.1:${port}`,
    port,
    token,
    standin,
    stateDir,
    get running() {
      return running;
    },
    async start(overrides = {}) {
      if (running) throw new Error('gateway instance already running');
      const o = { ...opts, ...overrides };
      const t0 = Date.now();
      running = await startGateway({
        stateDir,
        port,
        token,
        providers: standinProviders(standin.origin),
        ...(o.providerRetry !== undefined ? { providerRetry: o.providerRetry } : {}),
        ...(o.providerTimeoutSeconds !== undefined ? { providerTimeoutSeconds: o.providerTimeoutSeconds } : {}),
      });
      return Date.now() - t0;
    },
    async stopGateway() {
      const r = running;
      running = null;
      await r?.stop();
    },
    async stop() {
      await inst.stopGateway();
      if (ownStandin) await standin.close();
      if (process.env.KEEP_GATEWAY_STATE !== '1') await fsp.rm(stateDir, { recursive: true, force: true });
    },
  };
  if (opts.start !== false) {
    try {
      await inst.start();
    } catch (err) {
      await inst.stop();
      throw err;
    }
  }
  return inst;
}
