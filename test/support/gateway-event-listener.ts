import WebSocket from 'ws';
import { ADAPTER_CLIENT_ID, operatorConnectParams } from '../../activities/openclaw/protocol';

/** Event frames one raw operator connection received, by event name. */
export interface EventListener {
  counts(): Record<string, number>;
  close(): void;
}

/**
 * A bare operator connection to the gateway that declares `caps` and only counts the events it
 * gets: what the gateway sends a connection like the adapter's, without the adapter in between
 * (the adapter drops events unread), with the adapter's connect params but for `caps`. Its client
 * id is the adapter's: other ids without a device identity get no operator scopes, so no events.
 */
export function listenToGatewayEvents(url: string, token: string, caps: readonly string[]): Promise<EventListener> {
  const counts: Record<string, number> = {};
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('event listener: no hello-ok within 15 s')), 15_000);
    ws.on('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; event?: string; id?: string; ok?: boolean; error?: unknown };
      if (frame.type === 'event' && frame.event === 'connect.challenge') {
        const params = operatorConnectParams({ clientId: ADAPTER_CLIENT_ID, version: '1', token, caps });
        ws.send(JSON.stringify({ type: 'req', id: 'connect', method: 'connect', params }));
      } else if (frame.type === 'res' && frame.id === 'connect') {
        clearTimeout(timer);
        if (!frame.ok) return reject(new Error(`event listener: connect refused: ${JSON.stringify(frame.error)}`));
        resolve({ counts: () => ({ ...counts }), close: () => ws.close() });
      } else if (frame.type === 'event' && frame.event) {
        counts[frame.event] = (counts[frame.event] ?? 0) + 1;
      }
    });
  });
}
