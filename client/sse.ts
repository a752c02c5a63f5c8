/** One Server-Sent Events frame (the fields the runtime sends). */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
  /** Comment lines (`: heartbeat`) in this frame. */
  comments: number;
}

/** Parses an SSE response body into frames, as the EventSource standard splits them. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      yield parseFrame(pending.slice(0, end));
      pending = pending.slice(end + 2);
    }
  }
}

function parseFrame(block: string): SseFrame {
  const frame: SseFrame = { comments: 0 };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comments++;
    else if (line.startsWith('id: ')) frame.id = line.slice(4);
    else if (line.startsWith('event: ')) frame.event = line.slice(7);
    else if (line.startsWith('data: ')) frame.data = (frame.data === undefined ? '' : `${frame.data}\n`) + line.slice(6);
    else if (line.startsWith('retry: ')) frame.retry = Number(line.slice(7));
  }
  return frame;
}
