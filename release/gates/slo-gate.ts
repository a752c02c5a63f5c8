import { failed, judged, notAvailable, type Gate } from '../gate-result';

interface SloViewLike {
  window?: { from: string; to: string };
  alerts?: { name: string; firing: boolean; summary?: string }[];
}

/**
 * A snapshot of GET /admin/runtime/slo from a running runtime. Without a URL there is nothing to
 * look at (CI runs no long-lived runtime), so not_available; with one, a firing alert fails.
 */
export function sloGate(opts: { apiUrl?: string; apiToken?: string; windowMinutes?: number }): Gate {
  const name = 'slo';
  return {
    name,
    async run() {
      if (!opts.apiUrl) return notAvailable(name, 'no runtime API given (--api-url)');
      const url = new URL('/admin/runtime/slo', opts.apiUrl);
      url.searchParams.set('windowMinutes', String(opts.windowMinutes ?? 1_440));
      const res = await fetch(url, {
        headers: opts.apiToken ? { authorization: `Bearer ${opts.apiToken}` } : {},
        signal: AbortSignal.timeout(30_000),
      });
      const body = await res.text();
      if (!res.ok) return failed(name, `GET ${url.pathname} answered ${res.status}`, { url: url.toString(), status: res.status, body });
      const view = JSON.parse(body) as SloViewLike;
      const firing = (view.alerts ?? []).filter((a) => a.firing);
      const summary =
        firing.length === 0
          ? `no alert firing over ${view.window?.from ?? '?'} .. ${view.window?.to ?? '?'}`
          : `${firing.length} alert(s) firing: ${firing.map((a) => a.name).join(', ')}`;
      return judged(name, firing.length === 0, summary, { url: url.toString(), ...view });
    },
  };
}
