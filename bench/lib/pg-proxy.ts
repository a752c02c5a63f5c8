import * as net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that counts client round trips: every simple Query ('Q')
 * and every extended-protocol Sync ('S') the client sends ends one request the client waits for.
 * Used only during the accounting pass (it adds a hop), never during the timed runs.
 */
export class PgRoundTripCounter {
  roundTrips = 0;
  /** The statements of the first `recordLimit` requests after reset(): what one command costs. */
  statements: string[] = [];
  recordLimit = 0;
  private server: net.Server;
  private sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly upstreamHost: string, private readonly upstreamPort: number) {
    this.server = net.createServer((client) => this.handle(client));
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.port = (this.server.address() as net.AddressInfo).port))));
  }

  private handle(client: net.Socket): void {
    const upstream = net.connect(this.upstreamPort, this.upstreamHost);
    this.sockets.add(client).add(upstream);
    let started = false;
    let buf = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      upstream.write(d);
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          // Startup / SSLRequest: int32 length, no type byte.
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code !== 80877103 && code !== 80877104) started = true; // not SSLRequest / GSSENCRequest
          continue;
        }
        if (buf.length < 5) break;
        const type = String.fromCharCode(buf[0]!);
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        if (type === 'Q' || type === 'S') this.roundTrips++;
        if ((type === 'Q' || type === 'P') && this.statements.length < this.recordLimit) {
          const body = buf.subarray(5, len + 1);
          const text = type === 'Q' ? body.toString('utf8') : body.subarray(body.indexOf(0) + 1).toString('utf8');
          this.statements.push(text.slice(0, text.indexOf('\0') >= 0 ? text.indexOf('\0') : undefined).replace(/\s+/g, ' ').slice(0, 160));
        }
        buf = buf.subarray(len + 1);
      }
    });
    upstream.on('data', (d) => client.write(d));
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  reset(recordLimit: number): void {
    this.roundTrips = 0;
    this.statements = [];
    this.recordLimit = recordLimit;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
