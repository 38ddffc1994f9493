// A TCP proxy in front of a server (MySQL in the tests) that a test switches between three modes:
//   forward: bytes pass both ways, as if the client talked to the server itself;
//   refuse:  new connections are cut at once and open ones are cut: a server that went away;
//   hang:    connections are accepted but nothing passes either way, new or open ones: a server
//            (or a network) that stalls, never answering the handshake or a query. What either side
//            sent meanwhile is held and delivered when the mode is back to `forward`, as after a
//            pause, unless that side gave up and closed.
// stop() closes the port itself (connections refused) and start() opens it again on the same port.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'hang';

interface Pipe {
  client: Socket;
  upstream: Socket;
  /** Bytes each side sent that the other has not been given yet (in `hang`). */
  held: { toUpstream: Buffer[]; toClient: Buffer[] };
}

export class TcpProxy {
  private server: Server | null = null;
  private readonly pipes = new Set<Pipe>();
  private currentMode: ProxyMode;
  port = 0;

  private readonly target: { host: string; port: number };

  constructor(
    target: { host: string; port: number },
    mode: ProxyMode = 'forward',
  ) {
    this.target = target;
    this.currentMode = mode;
  }

  get mode(): ProxyMode {
    return this.currentMode;
  }

  /** Connections open through the proxy. */
  get connections(): number {
    return this.pipes.size;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Applies to the open connections and to every new one. */
  setMode(mode: ProxyMode): void {
    this.currentMode = mode;
    for (const p of this.pipes) {
      if (mode === 'refuse') this.cut(p);
      else if (mode === 'forward') this.flush(p);
    }
  }

  /** Closes the port (new connections are refused) and cuts the open ones. */
  async stop(): Promise<void> {
    for (const p of this.pipes) this.cut(p);
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private accept(client: Socket): void {
    if (this.currentMode === 'refuse') {
      client.destroy();
      return;
    }
    const p: Pipe = { client, upstream: connect(this.target.port, this.target.host), held: { toUpstream: [], toClient: [] } };
    this.pipes.add(p);
    const pass = (from: Socket, to: Socket, held: Buffer[]) =>
      from.on('data', (chunk: Buffer) => {
        if (this.currentMode === 'forward') to.write(chunk);
        else held.push(chunk);
      });
    pass(client, p.upstream, p.held.toUpstream);
    pass(p.upstream, client, p.held.toClient);
    for (const s of [client, p.upstream]) {
      s.on('error', () => this.cut(p));
      s.on('close', () => this.cut(p));
    }
  }

  private flush(p: Pipe): void {
    for (const chunk of p.held.toUpstream.splice(0)) p.upstream.write(chunk);
    for (const chunk of p.held.toClient.splice(0)) p.client.write(chunk);
  }

  private cut(p: Pipe): void {
    this.pipes.delete(p);
    p.client.destroy();
    p.upstream.destroy();
  }
}
