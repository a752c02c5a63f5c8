import type { Registry } from 'prom-client';
import { counter, histogram } from '../infra/metrics';

export interface AttemptObservation {
  agentFamily: string;
  outcome: 'succeeded' | 'failed';
  errorClass?: string;
  provider?: string | null;
  durationMs: number;
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
}

/** The executor's metrics: one observation per attempt outcome, in the worker's registry. */
export class AttemptMetrics {
  private readonly attempts;
  private readonly duration;
  private readonly tokens;
  private readonly cost;

  constructor(registry: Registry) {
    this.attempts = counter(registry, 'si_agent_attempts_total', 'Agent attempts by outcome and failure class', ['agent_family', 'outcome', 'error_class']);
    this.duration = histogram(
      registry,
      'si_agent_attempt_duration_seconds',
      'Agent attempt latency, gateway run included',
      [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      ['agent_family', 'outcome'],
    );
    this.tokens = counter(registry, 'si_agent_tokens_total', 'Tokens spent by agent attempts', ['agent_family', 'provider', 'direction']);
    this.cost = counter(registry, 'si_agent_cost_usd_total', 'Cost of agent attempts in USD (runtime price table)', ['agent_family', 'provider']);
  }

  observe(o: AttemptObservation): void {
    this.attempts.inc({ agent_family: o.agentFamily, outcome: o.outcome, error_class: o.errorClass ?? '' });
    this.duration.observe({ agent_family: o.agentFamily, outcome: o.outcome }, o.durationMs / 1000);
    if (o.outcome !== 'succeeded') return;
    const provider = o.provider ?? 'unknown';
    this.tokens.inc({ agent_family: o.agentFamily, provider, direction: 'in' }, o.tokensIn ?? 0);
    this.tokens.inc({ agent_family: o.agentFamily, provider, direction: 'out' }, o.tokensOut ?? 0);
    this.cost.inc({ agent_family: o.agentFamily, provider }, o.costUsd ?? 0);
  }
}
