import { readSse } from '../../client/sse';
import { adminToken } from './auth';
import type { RuntimeEvent } from '../../runtime/events';

export interface SseFrame {
  id: string;
  event: RuntimeEvent & { id: string };
}

/**
 * Collects the frames of one SSE response (no reconnecting, so tests see exactly one session),
 * with the comments (heartbeats) counted apart. The typed client's events() is the resuming one.
 */
export class SseClient {
  readonly frames: SseFrame[] = [];
  comments = 0;
  status = 0;
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', Authorization: `Bearer ${await adminToken()}`, ...headers }, signal: client.abort.signal });
    client.status = res.status;
    if (res.ok && res.body) client.done = client.consume(res.body);
    return client;
  }

  private async consume(body: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const frame of readSse(body)) {
        this.comments += frame.comments;
        if (frame.data) this.frames.push({ id: frame.id ?? '', event: JSON.parse(frame.data) });
      }
    } catch {
      // aborted by close()
    }
  }

  eventsFor(commandId: string): SseFrame['event'][] {
    return this.frames.filter((f) => f.event.commandId === commandId).map((f) => f.event);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
