/**
 * A throwaway `nats-server` (the Debian package; `.ci/run` installs it) on a
 * free loopback port, with JetStream in a temp directory, for the cluster
 * tests and the benchmark's cluster scenario. Readiness is its "Server is
 * ready" line (never a fixed sleep); it can be killed and started again on
 * the same port and store, as a NATS outage.
 *
 * @module
 */

/** Where the program may be: on the PATH, or where Debian puts it (not on every user's PATH). */
const CANDIDATES = ["nats-server", "/usr/sbin/nats-server"];

/** The program run: the first of the candidates that runs. */
export let NATS_SERVER = CANDIDATES[0];

/** How long a start may take. */
const READY_MS = 15_000;

/** Whether `nats-server` can be run here; the reason when it cannot. */
export async function natsServerMissing(): Promise<string | undefined> {
  for (const candidate of CANDIDATES) {
    try {
      const { success } = await new Deno.Command(candidate, {
        args: ["--version"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).output();
      if (!success) return `${candidate} --version failed`;
      NATS_SERVER = candidate;
      return undefined;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return "nats-server is not installed (apt-get install nats-server; .ci/run does)";
}

/** A port that was free a moment ago: bound on loopback, then closed. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Options of {@linkcode NatsServer.start}. */
export interface NatsServerOptions {
  /** Also serve the HTTP monitoring endpoint (for {@linkcode NatsServer.subscriptions}). */
  monitor?: boolean;
  /** Run JetStream (default true); false makes a NATS that a cluster cannot use. */
  jetstream?: boolean;
}

/** A running `nats-server`. */
export class NatsServer implements AsyncDisposable {
  /** Its client port on 127.0.0.1. */
  readonly port: number;
  /** Its JetStream store directory. */
  readonly storeDir: string;
  /** Its HTTP monitoring port, when asked for. */
  readonly monitorPort: number | undefined;
  readonly #jetstream: boolean;
  #child: Deno.ChildProcess | undefined;
  #exited: Promise<Deno.CommandStatus> | undefined;
  #log = "";

  private constructor(port: number, storeDir: string, options: NatsServerOptions) {
    this.port = port;
    this.storeDir = storeDir;
    this.monitorPort = options.monitor ? freePort() : undefined;
    this.#jetstream = options.jetstream ?? true;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Whether the process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** What it wrote to standard error. */
  get log(): string {
    return this.#log;
  }

  /**
   * Starts a server with JetStream on a free port, trying other ports when
   * the one picked was taken in between.
   */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const missing = await natsServerMissing();
    if (missing !== undefined) throw new Error(missing);
    const storeDir = await Deno.makeTempDir({ prefix: "chat-nats-" });
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new NatsServer(freePort(), storeDir, options);
      try {
        await server.#spawn();
        return server;
      } catch (error) {
        lastError = error;
      }
    }
    await Deno.remove(storeDir, { recursive: true }).catch(() => {});
    throw lastError;
  }

  async #spawn(): Promise<void> {
    const child = new Deno.Command(NATS_SERVER, {
      args: [
        ...["-a", "127.0.0.1", "-p", String(this.port)],
        ...(this.#jetstream ? ["-js", "-sd", this.storeDir] : []),
        ...(this.monitorPort === undefined ? [] : ["-m", String(this.monitorPort)]),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#exited = child.status;
    const ready = Promise.withResolvers<void>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Drain stderr for the life of the process; resolve on its ready line.
    const drain = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        this.#log += decoder.decode(chunk, { stream: true });
        if (this.#log.includes("Server is ready")) ready.resolve();
      }
      ready.reject(new Error(`nats-server exited before it was ready:\n${this.#log}`));
    })();
    this.#exited = Promise.all([child.status, drain]).then(([status]) => status);
    try {
      await Promise.race([
        ready.promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`nats-server not ready within ${READY_MS} ms:\n${this.#log}`)),
            READY_MS,
          );
        }),
      ]);
    } catch (error) {
      await this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The subjects each client connection is subscribed to, by connection
   * name (from the monitoring endpoint: start with `monitor`).
   */
  async subscriptions(): Promise<Map<string, string[]>> {
    if (this.monitorPort === undefined) throw new Error("start the server with monitor: true");
    const response = await fetch(`http://127.0.0.1:${this.monitorPort}/connz?subs=1&limit=1024`);
    const { connections } = await response.json() as {
      connections: { name?: string; subscriptions_list?: string[] }[];
    };
    return new Map(connections.map((c) => [c.name ?? "", c.subscriptions_list ?? []]));
  }

  /** Kills the server (SIGKILL by default: an outage) and waits for it to exit. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
    await this.#exited;
    this.#child = undefined;
  }

  /** Starts it again on the same port and store (after {@linkcode NatsServer.kill}). */
  async restart(): Promise<void> {
    await this.kill();
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        this.#log = "";
        await this.#spawn();
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
      }
    }
    throw lastError;
  }

  /** Stops the server and removes its store. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill("SIGTERM");
    await Deno.remove(this.storeDir, { recursive: true }).catch(() => {});
  }
}
