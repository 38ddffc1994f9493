// One `GET /recommend/<user>` as the course's simulator makes it, reported the way its log line
// needs: status 200 with the ids, the HTTP status with the body, or status 0 with the error text
// on a timeout (Java's TimeoutException wording, with the time limit) or a refused connection.
import http from 'node:http';

export interface RecommendOutcome {
  status: number;
  /** Comma-joined ids (status 200) or error text. */
  result: string;
  /** The ids, for status 200. */
  ids?: string[];
  latencyMs: number;
  /** A kept-alive connection was reset under this request, which was then sent again (see below). */
  resent?: boolean;
}

/** Movie ids from a /recommend body: a JSON array, an object holding one, or comma-separated text. */
export function idsFromBody(body: string): string[] {
  const text = body.trim();
  if (text.startsWith('[') || text.startsWith('{')) {
    try {
      const json: unknown = JSON.parse(text);
      const list = Array.isArray(json) ? json : Object.values(json as Record<string, unknown>).find(Array.isArray);
      if (Array.isArray(list)) return list.map((v) => (typeof v === 'object' && v !== null && 'id' in v ? String((v as { id: unknown }).id) : String(v)));
    } catch {
      // not JSON after all: treat as text
    }
  }
  return text === '' ? [] : text.split(',').map((s) => s.trim()).filter(Boolean);
}

const oneLine = (s: string, max = 300) => s.replace(/\s+/g, ' ').trim().slice(0, max);

export function requestRecommendations(base: URL, user: number, timeoutMs: number, agent: http.Agent): Promise<RecommendOutcome> {
  const started = performance.now();
  const host = base.hostname;
  const port = Number(base.port || 80);
  const path = `${base.pathname.replace(/\/$/, '')}/recommend/${user}`;
  return new Promise((resolve) => {
    let finished = false;
    let resent = false;
    let req: http.ClientRequest;
    const finish = (status: number, result: string, ids?: string[]) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve({ status, result, ...(ids ? { ids } : {}), latencyMs: performance.now() - started, ...(resent ? { resent } : {}) });
    };
    const send = (retry: boolean) => {
      // The resend takes a new connection of its own: the agent's other idle ones may be closing too.
      req = http.get({ host, port, path, agent: retry ? agent : false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status === 200) {
            const ids = idsFromBody(body);
            finish(status, ids.join(', '), ids);
          } else finish(status, oneLine(body) || `HTTP ${status}`);
        });
        res.on('error', (err) => finish(0, oneLine(`${err.name}: ${err.message}`)));
      });
      req.on('error', (err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
        // A kept-alive connection the server closed just as this request went out (NGINX closes
        // idle ones on a reload): nothing was answered, so a GET is sent once more on a new
        // connection, as HTTP clients do (node's docs, "request.reusedSocket").
        // Counted (the simulator's `resets`): the answer is saved, but the server did drop a connection.
        if (retry && req.reusedSocket && err.code === 'ECONNRESET' && !finished) {
          resent = true;
          return send(false);
        }
        if (err.code === 'ECONNREFUSED') finish(0, `Connection refused: ${host}/${err.address ?? host}:${err.port ?? port}`);
        else finish(0, oneLine(`${err.code ?? err.name}: ${err.message}`));
      });
    };
    const timer = setTimeout(() => {
      const ip = req.socket?.remoteAddress ?? host;
      finish(0, `java.util.concurrent.TimeoutException: Request timeout to ${host}/${ip}:${port} after ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    send(true);
  });
}
