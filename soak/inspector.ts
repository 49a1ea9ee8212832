/**
 * A minimal client of the V8 inspector protocol, to run a full garbage
 * collection in the server under soak and read its JavaScript heap: the
 * heap after a full collection shows a leak of JavaScript objects that the
 * process's RSS (which keeps freed native memory) would hide.
 *
 * @module
 */

/** `Deno.memoryUsage()` of the server, in bytes. */
export interface HeapFigures {
  heapUsed: number;
  heapTotal: number;
  external: number;
  rss: number;
}

/** A session with the server's inspector (`--inspect=127.0.0.1:0`). */
export class Inspector {
  #socket: WebSocket;
  #next = 1;
  #pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
  #closed: Promise<void>;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data as string);
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
      else waiter.resolve(message.result);
    };
    this.#closed = new Promise((resolve) => {
      socket.onclose = () => {
        for (const waiter of this.#pending.values()) waiter.reject(new Error("inspector closed"));
        this.#pending.clear();
        resolve();
      };
    });
  }

  /** Connects to the inspector's WebSocket URL (`ws://127.0.0.1:PORT/UUID`). */
  static async connect(url: string, ms = 10_000): Promise<Inspector> {
    const socket = new WebSocket(url);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.onopen = () => resolve();
        socket.onerror = () => reject(new Error(`cannot reach the inspector at ${url}`));
        timer = setTimeout(() => reject(new Error(`the inspector at ${url}: no answer`)), ms);
      });
    } catch (error) {
      socket.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return new Inspector(socket);
  }

  #call(method: string, params: Record<string, unknown> = {}, ms = 30_000): Promise<unknown> {
    const id = this.#next++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answer = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${method}: no answer in ${ms} ms`)), ms);
    });
    return Promise.race([answer, late]).finally(() => {
      clearTimeout(timer);
      this.#pending.delete(id);
    });
  }

  /** Runs a full garbage collection, then reads `Deno.memoryUsage()`. */
  async collect(): Promise<HeapFigures> {
    await this.#call("HeapProfiler.collectGarbage");
    const result = await this.#call("Runtime.evaluate", {
      expression: "JSON.stringify(Deno.memoryUsage())",
      returnByValue: true,
    }) as { result: { value: string } };
    return JSON.parse(result.result.value);
  }

  /** Ends the session. */
  async close(): Promise<void> {
    this.#socket.close();
    await this.#closed;
  }
}
