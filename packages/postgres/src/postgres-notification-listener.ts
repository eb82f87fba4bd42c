import { ClosedError, type StopListening, type WakeUpHint } from "@chronicle/core";

/** The part of a `pg.Client` the listener uses: queries, and its `notification`, `error` and `end` events. */
export interface ListeningClient {
  query(text: string): Promise<unknown>;
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "end", listener: () => void): unknown;
}

/** A dedicated connection as the listener holds it: the client, and how to let it go. */
export interface OpenedListeningClient {
  readonly client: ListeningClient;
  /** Closes the connection (or hands it back to its pool to be discarded). */
  readonly dispose: () => Promise<void>;
}

/** The first pause before reconnecting after the connection dropped; it doubles up to `MAX_RECONNECT_DELAY_MS`. */
const MIN_RECONNECT_DELAY_MS = 100;
const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * Holds one dedicated connection that `LISTEN`s on the schema's channel, and
 * hands every notification to the registered listeners as a `WakeUpHint`. The
 * connection is opened for the first listener and closed after the last one
 * stops. When it drops, it is opened again with exponential backoff, and every
 * listener then gets a hint without a sequence number, since appends committed
 * while it was away were not heard.
 */
export class PostgresNotificationListener {
  readonly #open: () => Promise<OpenedListeningClient>;
  readonly #channel: string;
  readonly #listeners = new Set<(hint: WakeUpHint) => void>();
  #current: OpenedListeningClient | undefined;
  #connecting: Promise<void> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectAttempt = 0;
  #closed = false;

  constructor(open: () => Promise<OpenedListeningClient>, channel: string) {
    this.#open = open;
    this.#channel = channel;
  }

  /** Whether the dedicated connection is open and listening right now. */
  get listening(): boolean {
    return this.#current !== undefined && this.#connecting === undefined;
  }

  /** Registers `listener` and resolves once the connection listens; rejects (and registers nothing) when it cannot be opened. */
  async add(listener: (hint: WakeUpHint) => void): Promise<StopListening> {
    if (this.#closed) throw new ClosedError("The PostgreSQL event storage adapter");
    const entry = (hint: WakeUpHint) => listener(hint);
    this.#listeners.add(entry);
    try {
      await this.#ensureConnected();
    } catch (error) {
      this.#listeners.delete(entry);
      if (this.#listeners.size === 0) this.#cancelReconnect();
      throw error;
    }
    if (!this.#listeners.has(entry)) throw new ClosedError("The PostgreSQL event storage adapter");
    return async () => {
      if (!this.#listeners.delete(entry) || this.#listeners.size > 0) return;
      this.#cancelReconnect();
      await this.#disconnect();
    };
  }

  /** Stops every listener and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#cancelReconnect();
    await this.#connecting?.catch(() => undefined);
    await this.#disconnect();
  }

  #ensureConnected(): Promise<void> {
    if (this.#current !== undefined && this.#connecting === undefined) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const opened = await this.#open();
    const { client } = opened;
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      void this.#dropped(opened);
    };
    client.on("error", drop);
    client.on("end", drop);
    client.on("notification", (message) => {
      if (message.channel === this.#channel && this.#current === opened) this.#dispatch(hintOf(message.payload));
    });
    this.#current = opened;
    try {
      await client.query(`LISTEN ${quoteChannel(this.#channel)}`);
    } catch (error) {
      dropped = true;
      if (this.#current === opened) this.#current = undefined;
      await opened.dispose().catch(() => undefined);
      throw error;
    }
    this.#reconnectAttempt = 0;
    // Closed, or every listener stopped, while the connection was being opened.
    if (this.#closed || this.#listeners.size === 0) await this.#disconnect();
  }

  async #dropped(opened: OpenedListeningClient): Promise<void> {
    if (this.#current !== opened) return;
    this.#current = undefined;
    await opened.dispose().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#listeners.size === 0 || this.#reconnectTimer !== undefined) return;
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, MIN_RECONNECT_DELAY_MS * 2 ** Math.min(this.#reconnectAttempt, 16));
    this.#reconnectAttempt += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#closed || this.#listeners.size === 0) return;
      this.#ensureConnected().then(
        // Appends committed while the connection was away were not heard: say that anything may have changed.
        () => this.#dispatch({}),
        () => this.#scheduleReconnect(),
      );
    }, delay);
    this.#reconnectTimer.unref?.();
  }

  #cancelReconnect(): void {
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
  }

  async #disconnect(): Promise<void> {
    const opened = this.#current;
    this.#current = undefined;
    await opened?.dispose().catch(() => undefined);
  }

  #dispatch(hint: WakeUpHint): void {
    for (const listener of this.#listeners) {
      try {
        listener(hint);
      } catch {
        // A listener's failure is its own; hints carry no guarantee.
      }
    }
  }
}

function hintOf(payload: string | undefined): WakeUpHint {
  return payload !== undefined && /^\d+$/.test(payload) ? { sequenceNumber: BigInt(payload) } : {};
}

function quoteChannel(channel: string): string {
  return `"${channel.replaceAll('"', '""')}"`;
}
