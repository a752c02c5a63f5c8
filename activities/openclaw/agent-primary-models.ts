import type { GatewayLogger } from './gateway-client';
import type { AgentsListResponse } from './protocol';

/** How long a read of the gateway's agents is trusted: the gateway reloads its config without a reconnect. */
const TRUST_MS = 30_000;

interface Snapshot {
  bootId: string | null;
  at: number;
  /** agent id -> its primary model ref, for agents the gateway would run with no fallback model. */
  unpinned: Map<string, string>;
}

/**
 * Decides whether an attempt's model must be pinned on its session (`sessions.patch`) before the
 * run. The pin exists so that the runtime, not the gateway, picks every attempt's model: an
 * explicit session model is strict. When the model asked for is the agent's effective primary and
 * the gateway has no fallback models for that agent, an unpinned run on a fresh session runs
 * exactly that model anyway, and the pin is a round trip and a session write per run for nothing
 * (~30 ms of each run's latency here, bench/README.md "Third pass"). Anything unknown (the list
 * unreadable, an agent not in it, a primary only by inheritance of a utility model) means: pin.
 */
export class AgentPrimaryModels {
  private snapshot: Snapshot | null = null;
  private reading: Promise<Snapshot> | null = null;

  constructor(
    private readonly listAgents: () => Promise<AgentsListResponse>,
    private readonly bootId: () => string | null,
    private readonly log: GatewayLogger,
  ) {}

  /** True unless the gateway would run `modelRef` on `agentId` with no fallback (see the class). */
  async needsPin(agentId: string, modelRef: string): Promise<boolean> {
    const snapshot = await this.current();
    return snapshot.unpinned.get(agentId) !== modelRef;
  }

  /** After an unpinned run reported another model: the gateway's config changed; read it again. */
  forget(): void {
    this.snapshot = null;
  }

  private async current(): Promise<Snapshot> {
    const s = this.snapshot;
    if (s && s.bootId === this.bootId() && Date.now() - s.at < TRUST_MS) return s;
    // One read at a time: the runs that start together share it.
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(): Promise<Snapshot> {
    const at = Date.now();
    const unpinned = new Map<string, string>();
    try {
      for (const a of (await this.listAgents()).agents) {
        if (a.model?.primary && (a.model.fallbacks ?? []).length === 0) unpinned.set(a.id, a.model.primary);
      }
    } catch (e) {
      // Unreadable: every run pins until the next read (an empty snapshot, trusted as long).
      this.log.warn('gateway agents.list failed; pinning every run model until the next read', { error: e instanceof Error ? e.message : String(e) });
    }
    this.snapshot = { bootId: this.bootId(), at, unpinned };
    return this.snapshot;
  }
}
