import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a service (a fake, PostgreSQL) whose link a test can cut, as
 * an outage cuts it: `refuse()` is a service that is down (the port is closed, open connections are
 * reset), `blackhole()` one that stops answering (connections, open or new, stay open and nothing
 * passes either way, not even a FIN: a network partition, or a server hung). `restore()` ends the
 * outage: new connections get through again (ones swallowed by the black hole stay dead).
 */
export interface TcpProxy {
  port: number;
  refuse(): Promise<void>;
  blackhole(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream?: Socket;
}

export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  let blackholed = false;
  const links = new Set<Link>();
  /** Reads and drops whatever arrives, and never ends or answers. */
  const swallow = (socket: Socket) => {
    socket.removeAllListeners('data');
    socket.resume();
  };
  // allowHalfOpen: a client's FIN is not answered with one (a black hole says nothing at all).
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const link: Link = { client };
    links.add(link);
    client.on('error', () => undefined);
    client.once('close', () => {
      links.delete(link);
      link.upstream?.destroy();
    });
    if (blackholed) return swallow(client);
    const upstream = connect(target.port, target.host ?? '127.0.0.1');
    link.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.once('close', () => {
      if (!blackholed) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (at: number) => new Promise<void>((resolve) => server.listen(at, '127.0.0.1', resolve));
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));

  return {
    port,
    async refuse() {
      const closed = closeServer();
      for (const { client } of links) client.resetAndDestroy();
      await closed;
    },
    blackhole() {
      blackholed = true;
      for (const { client, upstream } of links) {
        client.unpipe();
        upstream?.unpipe();
        swallow(client);
        if (upstream) swallow(upstream);
      }
    },
    async restore() {
      blackholed = false;
      if (!server.listening) await listen(port);
    },
    async close() {
      for (const { client } of links) client.destroy();
      if (server.listening) await closeServer();
    },
  };
}
