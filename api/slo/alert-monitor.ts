import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { EventPublisher } from '../../infra/events/redis-event-publisher';
import type { Logger } from '../../infra/logger';
import { gauge } from '../../infra/metrics';
import type { AlertName } from '../../runtime/slo';
import type { SloService } from './slo-service';

/**
 * Evaluates the alert rules every interval and makes them visible three ways: gauges
 * (si_alert_firing, si_slo_*), a lifecycle event on each transition (alert.fired / alert.resolved),
 * and a log line. API replicas evaluating at once publish a transition once: its dedupe key names
 * the alert, the transition and the interval.
 */
export class AlertMonitor {
  private timer: NodeJS.Timeout | undefined;
  private readonly firing = new Map<AlertName, boolean>();
  private readonly gauges;

  constructor(
    private readonly deps: { slo: SloService; events: EventPublisher; metrics: Registry; logger: Logger; intervalMs: number; windowMs: number },
  ) {
    this.gauges = {
      firing: gauge(deps.metrics, 'si_alert_firing', 'Alert rules currently firing (1) or not (0), evaluated by the API', ['alert']),
      reliability: gauge(deps.metrics, 'si_slo_reliability_ratio', 'Share of completed commands that succeeded, over RUNTIME_ALERT_WINDOW_MINUTES'),
      coverage: gauge(deps.metrics, 'si_slo_trace_coverage_ratio', 'Share of command, attempt and log rows carrying a trace id, over the window'),
      mttr: gauge(deps.metrics, 'si_dead_letter_mttr_seconds', 'Mean time from dead letter to replay or discard, over the window'),
    };
  }

  start(): void {
    if (this.deps.intervalMs <= 0) return;
    const tick = () => {
      this.evaluateOnce()
        .catch((err: unknown) => this.deps.logger.warn('alert evaluation failed', { error: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.deps.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async evaluateOnce(now = new Date()): Promise<void> {
    const view = await this.deps.slo.evaluate(this.deps.windowMs, now);
    if (view.slo.reliability.value !== null) this.gauges.reliability.set(view.slo.reliability.value);
    if (view.slo.traceCoverage.value !== null) this.gauges.coverage.set(view.slo.traceCoverage.value);
    if (view.slo.deadLetterMttrMs !== null) this.gauges.mttr.set(view.slo.deadLetterMttrMs / 1000);
    const evaluationId = randomUUID();
    const bucket = Math.floor(now.getTime() / Math.max(this.deps.intervalMs, 1000));
    for (const alert of view.alerts) {
      this.gauges.firing.set({ alert: alert.name }, alert.firing ? 1 : 0);
      const was = this.firing.get(alert.name) ?? false;
      this.firing.set(alert.name, alert.firing);
      if (was === alert.firing) continue;
      const type = alert.firing ? 'alert.fired' : 'alert.resolved';
      const log = alert.firing ? this.deps.logger.warn.bind(this.deps.logger) : this.deps.logger.info.bind(this.deps.logger);
      log(type, { alert: alert.name, value: alert.value, threshold: alert.threshold, summary: alert.summary, windowMs: this.deps.windowMs });
      await this.deps.events.publish({
        dedupeKey: `alert:${alert.name}:${type}:${bucket}`,
        event: { type, traceId: evaluationId, at: now.toISOString(), data: { alert: alert.name, value: alert.value, threshold: alert.threshold, summary: alert.summary, window: view.window } },
      });
    }
  }
}
