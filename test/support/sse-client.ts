import type { RuntimeEvent } from '../../runtime/events';

export interface SseFrame {
  id: string;
  event: RuntimeEvent & { id: string };
}

/**
 * A minimal EventSource over fetch: collects the frames of one SSE response, with the comments
 * (heartbeats) counted apart. Enough for tests; the typed client (issue 13) is the real one.
 */
export class SseClient {
  readonly frames: SseFrame[] = [];
  comments = 0;
  status = 0;
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: client.abort.signal });
    client.status = res.status;
    if (res.ok && res.body) client.done = client.consume(res.body);
    return client;
  }

  private async consume(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          this.parse(pending.slice(0, end));
          pending = pending.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    }
  }

  private parse(block: string): void {
    let id = '';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments++;
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (data) this.frames.push({ id, event: JSON.parse(data) });
  }

  eventsFor(commandId: string): SseFrame['event'][] {
    return this.frames.filter((f) => f.event.commandId === commandId).map((f) => f.event);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
