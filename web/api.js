// How the page talks to the server.
//
// HTTP requests carry the token (kept in sessionStorage for this tab only) as
// `Authorization: Bearer`. A WebSocket handshake or a stream cannot carry that header,
// so before opening one the page asks POST /api/v1/tickets for a single-use ticket that
// expires in 30 s and puts it in the URL as `?ticket=`: the token never sits in a URL.
//
// Errors are ApiError with `status`: 0 when the server cannot be reached, 401 when
// the token is missing or wrong, otherwise the server's HTTP status and message.

const TOKEN_KEY = 'tessera.token';

export const tokenStore = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || '',
  set: (token) => (token ? sessionStorage.setItem(TOKEN_KEY, token) : sessionStorage.removeItem(TOKEN_KEY)),
};

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
  get unauthorized() { return this.status === 401; }
  get unreachable() { return this.status === 0; }
}

export async function http(method, path, body) {
  const headers = {};
  const token = tokenStore.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, cache: 'no-store',
                                   body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError('the server is unreachable', 0);
  }
  const text = await response.text();
  let data = text;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: keep the text */ }
  if (!response.ok) throw new ApiError(data?.error?.message || `HTTP ${response.status}`, response.status);
  return data;
}

/// `path` with a fresh single-use ticket.
export async function withTicket(path) {
  const { ticket } = await http('POST', '/api/v1/tickets');
  return `${path}${path.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`;
}

export const wsUrl = (path) => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;

export const sinkPath = (pipeline, element, kind) =>
  `/api/v1/pipelines/${encodeURIComponent(pipeline)}/sinks/${encodeURIComponent(element)}/${kind}`;

/// JSON-RPC 2.0 over one WebSocket (/api/v1/rpc), reconnecting while the server is
/// unreachable (backing off to 8 s), but not after a 401: it then waits for start()
/// with a new token. handlers: status(state, text) with state connecting | connected |
/// disconnected | unauthorized; open(); notification(method, params); unauthorized(err).
export class RpcClient {
  constructor(handlers) {
    this.handlers = handlers;
    this.nextId = 1;
    this.pending = new Map();  // id -> {resolve, reject}
    this.unsent = [];          // calls made while connecting
    this.retryMs = 500;
    this.ws = null;
    this.retryTimer = null;
    this.generation = 0;       // a start() abandons the attempts of the previous one
  }

  get connected() { return this.ws !== null && this.ws.readyState === WebSocket.OPEN; }

  start() {
    this.generation += 1;
    clearTimeout(this.retryTimer);
    if (this.ws) { const old = this.ws; this.ws = null; old.close(); }
    this.retryMs = 500;
    this.connect(this.generation);
  }

  async connect(generation) {
    this.handlers.status('connecting', 'connecting…');
    let url;
    try {
      url = wsUrl(await withTicket('/api/v1/rpc'));
    } catch (err) {
      if (generation !== this.generation) return;
      if (err.unauthorized) {
        this.failPending(err);
        this.handlers.status('unauthorized', tokenStore.get() ? 'wrong token' : 'token needed');
        this.handlers.unauthorized(err);
        return;  // no retry: the same token would be refused again
      }
      this.retry(generation, err.unreachable ? 'server unreachable' : err.message);
      return;
    }
    if (generation !== this.generation) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.handlers.status('connected', 'connected');
      for (const text of this.unsent) ws.send(text);
      this.unsent = [];
      this.handlers.open();
    };
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending(new ApiError('the connection to the server closed', 0));
      this.retry(generation, 'connection lost');
    };
  }

  retry(generation, why) {
    if (generation !== this.generation) return;
    this.handlers.status('disconnected', `${why}; retrying in ${(this.retryMs / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => this.connect(generation), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 8000);
  }

  failPending(err) {
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
    this.unsent = [];
  }

  call(method, params = {}) {
    const id = this.nextId++;
    const text = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.connected) this.ws.send(text);
      else this.unsent.push(text);
    });
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;  // not JSON-RPC: nothing to answer
    }
    for (const m of Array.isArray(message) ? message : [message]) {
      if (m.method && m.id === undefined) {
        this.handlers.notification(m.method, m.params);
        continue;
      }
      const call = this.pending.get(m.id);
      if (!call) continue;
      this.pending.delete(m.id);
      if (m.error) call.reject(Object.assign(new ApiError(m.error.message, m.error.data?.http_status ?? 500),
                                             { code: m.error.code }));
      else call.resolve(m.result);
    }
  }
}

/// The server's message without JSON-RPC's "Invalid params: 'value': " prefix.
export const plainMessage = (err) => String(err.message).replace(/^Invalid params: ('[\w-]+': )?/, '');
