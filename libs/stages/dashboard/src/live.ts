/**
 * Server-sent events hub. Clients subscribe with a window; every `intervalMs` the hub asks for the data
 * token (the aggregate revision in Redis, so writes by any dashboard instance are seen). When it changed
 * it builds one `snapshot` per window in use and sends it to every client of that window; when only the
 * health token changed (a new pipeline sample) it sends a small `health` event to everyone. Keep-alive
 * comments keep proxies from closing idle streams.
 * No HTTP in here: a client is anything with `send` and `close`.
 */

export interface LiveClient {
  window: string;
  /** Writes a chunk; false when the client is gone. */
  send(chunk: string): boolean;
  close(): void;
}

export interface LiveHubOptions {
  intervalMs: number;
  heartbeatMs: number;
  maxClients: number;
  dataToken(): Promise<string>;
  healthToken(): string;
  snapshot(window: string): Promise<unknown>;
  health(): Promise<unknown>;
  onError?(err: unknown): void;
  onClientsChanged?(count: number): void;
  now?: () => number;
}

export function formatEvent(event: string, data: unknown, id?: string | number): string {
  const json = JSON.stringify(data);
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${json}\n\n`;
}

export interface LiveHub {
  /** Adds a client and sends it a first snapshot; false when the hub is full or closed. */
  add(client: LiveClient): boolean;
  remove(client: LiveClient): void;
  readonly size: number;
  /** One round: check for changes, push snapshots, send keep-alives. */
  tick(force?: boolean): Promise<void>;
  start(): void;
  close(): void;
}

export function createLiveHub(opts: LiveHubOptions): LiveHub {
  const now = opts.now ?? Date.now;
  const clients = new Set<LiveClient>();
  const lastSent = new Map<LiveClient, number>();
  let lastToken: string | undefined;
  let lastHealth: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let seq = 0;

  const changed = () => opts.onClientsChanged?.(clients.size);

  const deliver = (client: LiveClient, chunk: string) => {
    if (!client.send(chunk)) {
      remove(client);
      return;
    }
    lastSent.set(client, now());
  };

  const remove = (client: LiveClient) => {
    if (clients.delete(client)) {
      lastSent.delete(client);
      changed();
    }
  };

  const sendSnapshot = async (targets: LiveClient[], window: string) => {
    const data = await opts.snapshot(window);
    const chunk = formatEvent('snapshot', data, ++seq);
    for (const c of targets) if (clients.has(c)) deliver(c, chunk);
  };

  const round = async (force: boolean) => {
    if (clients.size === 0) return;
    const token = await opts.dataToken();
    const health = opts.healthToken();
    if (force || token !== lastToken) {
      lastToken = token;
      lastHealth = health;
      const byWindow = new Map<string, LiveClient[]>();
      for (const c of clients) byWindow.set(c.window, [...(byWindow.get(c.window) ?? []), c]);
      for (const [window, targets] of byWindow) await sendSnapshot(targets, window);
    } else if (health !== lastHealth) {
      lastHealth = health;
      const chunk = formatEvent('health', await opts.health(), ++seq);
      for (const c of [...clients]) deliver(c, chunk);
    }
    const t = now();
    for (const c of [...clients])
      if (t - (lastSent.get(c) ?? 0) >= opts.heartbeatMs) deliver(c, `: keep-alive ${new Date(t).toISOString()}\n\n`);
  };

  const tick = (force = false): Promise<void> => {
    // Never overlap rounds: a slow Redis must not pile up snapshot builds.
    running ??= round(force)
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return {
    add(client) {
      if (closed || clients.size >= opts.maxClients) return false;
      clients.add(client);
      lastSent.set(client, now());
      changed();
      client.send(`retry: 3000\n\n`);
      sendSnapshot([client], client.window).catch((err: unknown) => opts.onError?.(err));
      return true;
    },
    remove,
    get size() {
      return clients.size;
    },
    tick,
    start() {
      if (timer || closed) return;
      timer = setInterval(() => void tick(), opts.intervalMs);
      timer.unref();
    },
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const c of [...clients]) {
        try {
          c.close();
        } catch {
          // already gone
        }
        remove(c);
      }
    },
  };
}
