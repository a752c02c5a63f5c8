import net from 'node:net';
import { freePort } from './gateway-fixture';

/**
 * A loopback TCP proxy in front of a real server (PostgreSQL, Redis, Temporal), so a test can make
 * that server "go away" for the processes behind the proxy without stopping it for everyone else:
 *
 *   const pg = await startTcpProxy(5432);     // DATABASE_URL → 127.0.0.1:pg.port
 *   await pg.pause();                          // connections dropped, new ones refused
 *   pg.resume();                               // the server is back on the same port
 *
 * pause() is an outage as a client sees a crashed server: open connections are reset and the port
 * refuses connections (ECONNREFUSED). freeze() is a hung server: connections stay open but no byte
 * moves either way until thaw().
 */
export interface TcpProxy {
  port: number;
  /** Resets every open connection and stops listening: new connections are refused. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  /** Keeps connections (and accepts new ones) but forwards nothing until thaw(). */
  freeze(): void;
  thaw(): void;
  /** Connections accepted so far (a reconnecting client shows up here). */
  accepted(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const port = await freePort();
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let frozen = false;
  let accepted = 0;

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // close() waits for open connections; reset them so it does not.
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    });

  await listen();
  return {
    port,
    pause: stopListening,
    resume: listen,
    freeze() {
      frozen = true;
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    accepted: () => accepted,
    close: stopListening,
  };
}

/** The URL with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
