/**
 * A TCP proxy for fault tests: it sits between the backend and an upstream (a real Prometheus or
 * a fake one) on 127.0.0.1 and can make the path slow or stuck, selectively by what a request
 * says (the bytes of each chunk the client sends, e.g. the PromQL in a query_range form), or go
 * away and come back on the same port (a restarted store behind a fixed address).
 *
 *   const proxy = await startDelayProxy({ targetPort: prom.port });
 *   proxy.delayWhen = (chunk) => (chunk.includes('slow_metric') ? 3_000 : 0);
 *   proxy.stallWhen = (chunk) => chunk.includes('stuck');   // never forwarded, never answered
 *   await proxy.goAway();  ...  await proxy.comeBack(newPort);
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  /** the port the proxy listens on (stable across goAway/comeBack) */
  readonly port: number;
  readonly url: string;
  /** where connections go */
  targetPort: number;
  /** ms to hold each client chunk before forwarding it (0: none); called per chunk */
  delayWhen: (chunk: string) => number;
  /** chunks for which this is true are swallowed: the request hangs until someone gives up */
  stallWhen: (chunk: string) => boolean;
  /** ms to hold every upstream chunk before it reaches the client */
  responseDelayMs: number;
  /** connections accepted so far */
  readonly connections: number;
  /** stop listening and drop every open connection (the address now refuses connections) */
  goAway(): Promise<void>;
  /** listen again on the same port, optionally towards another target */
  comeBack(targetPort?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDelayProxy(options: { targetPort: number; port?: number }): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let accepted = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const proxy: DelayProxy = {
    port: 0,
    url: '',
    targetPort: options.targetPort,
    delayWhen: () => 0,
    stallWhen: () => false,
    responseDelayMs: 0,
    get connections() {
      return accepted;
    },
    goAway: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
    comeBack: async (targetPort?: number) => {
      if (targetPort !== undefined) proxy.targetPort = targetPort;
      await listen(proxy.port);
    },
    close: async () => proxy.goAway(),
  };

  const onClient = (client: Socket) => {
    accepted++;
    track(client);
    const upstream = connect({ host: '127.0.0.1', port: proxy.targetPort });
    track(upstream);
    // Chunks are forwarded in order, each after its own delay.
    let toUpstream = Promise.resolve();
    let toClient = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (proxy.stallWhen(text)) return;
      const delay = proxy.delayWhen(text);
      toUpstream = toUpstream.then(() => wait(delay)).then(() => {
        if (!upstream.destroyed) upstream.write(chunk);
      });
    });
    upstream.on('data', (chunk: Buffer) => {
      toClient = toClient.then(() => wait(proxy.responseDelayMs)).then(() => {
        if (!client.destroyed) client.write(chunk);
      });
    });
    client.on('end', () => void toUpstream.then(() => upstream.end()));
    upstream.on('end', () => void toClient.then(() => client.end()));
    // The upstream is down: the client's connection is reset, as a dead store behind a proxy does.
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  };

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const next = createServer(onClient);
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        const address = next.address();
        const bound = typeof address === 'object' && address ? address.port : port;
        Object.assign(proxy, { port: bound, url: `http://127.0.0.1:${bound}` });
        resolve();
      });
    });
  await listen(options.port ?? 0);
  return proxy;
}

function wait(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
