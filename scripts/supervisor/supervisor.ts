/**
 * The main job's process supervisor: runs each service as its own child process, restarts one that
 * exits unexpectedly (backoff and give-up from ./policy.ts) while the others keep running, and stops
 * them in a given order. No environment is read here (./config.ts does that); children, clock-free
 * policy and the status sink are passed in, so the unit tests drive it with real short-lived children.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { describeExit, onCrash, type RestartPolicy } from './policy.ts';
import type { SupervisedService } from '@newsfuse/shared';

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** stdout and stderr are appended here (one file per service, kept across restarts). */
  logFile?: string;
  /** `<url>/healthz` answering 200 = ready. Without it a service is ready once spawned. */
  healthUrl?: string;
}

export type ServiceState = SupervisedService['state'];

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  pid: number | null;
  restarts: number;
  lastExit: { code: number | null; signal: NodeJS.Signals | null; at: Date } | null;
}

export interface SupervisorOptions {
  policy: RestartPolicy;
  /** Per service: SIGTERM, then SIGKILL after this long. */
  stopTimeoutMs: number;
  readyTimeoutMs: number;
  log: (msg: string) => void;
  /** Called on every change of a service's state, pid or restart count. */
  onChange?: (status: ServiceStatus) => void;
  /** Called once when a service crashed more than `policy.limit` times within `policy.windowMs`. */
  onGiveUp?: (status: ServiceStatus) => void;
  /** Readiness probe (default: GET `<healthUrl>/healthz`, 200 = ready). */
  probe?: (url: string, pid: number | null) => Promise<boolean> | boolean;
  pollMs?: number;
}

interface Managed {
  spec: ServiceSpec;
  status: ServiceStatus;
  child?: ChildProcess;
  /** True from spawn until the child's 'exit' (or spawn 'error'): the only liveness test used. */
  alive: boolean;
  /** Resolves when the current child has exited. Never re-listen to 'exit': it may have fired already. */
  exited: Promise<void>;
  crashes: number[];
  timer?: NodeJS.Timeout;
  log?: WriteStream;
  /** Bumped on every spawn, so a readiness poll of an old child stops. */
  generation: number;
}

const defaultProbe = async (url: string) =>
  fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );

export class Supervisor {
  readonly #opts: SupervisorOptions;
  readonly #services: Managed[];
  #stopping: Promise<void> | undefined;
  /** Set by stop() and killAll(): from then on an exit is expected and nothing is restarted. */
  #halted = false;
  #gaveUp = false;

  constructor(specs: ServiceSpec[], opts: SupervisorOptions) {
    this.#opts = opts;
    this.#services = specs.map((spec) => ({
      spec,
      status: { name: spec.name, state: 'stopped', pid: null, restarts: 0, lastExit: null },
      alive: false,
      exited: Promise.resolve(),
      crashes: [],
      generation: 0,
    }));
  }

  get stopping(): boolean {
    return this.#halted;
  }

  status(): ServiceStatus[] {
    return this.#services.map((m) => ({ ...m.status }));
  }

  /** Spawns every service (in the order given). */
  start(): void {
    for (const m of this.#services) this.#spawn(m);
  }

  /** Resolves when every service answers ready; rejects when one does not in time or was given up. */
  async ready(): Promise<void> {
    const deadline = Date.now() + this.#opts.readyTimeoutMs;
    for (;;) {
      if (this.#halted) throw new Error('stopping');
      const failed = this.#services.find((m) => m.status.state === 'failed');
      if (failed) throw new Error(`${failed.spec.name} kept crashing; see ${failed.spec.logFile ?? 'its log'}`);
      if (this.#services.every((m) => m.status.state === 'running')) return;
      if (Date.now() > deadline) {
        const late = this.#services.filter((m) => m.status.state !== 'running').map((m) => m.spec.name);
        throw new Error(`${late.join(', ')} did not become ready in ${this.#opts.readyTimeoutMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, this.#opts.pollMs ?? 200));
    }
  }

  /**
   * Stops every service in `order` (names; default: the reverse of the start order), one after the
   * other: SIGTERM, SIGKILL after stopTimeoutMs. Idempotent: a second call returns the same promise.
   */
  stop(order?: string[]): Promise<void> {
    this.#halted = true;
    this.#stopping ??= (async () => {
      for (const m of this.#services) clearTimeout(m.timer);
      const byName = new Map(this.#services.map((m) => [m.spec.name, m]));
      const sequence = order ? order.flatMap((n) => byName.get(n) ?? []) : [...this.#services].reverse();
      for (const m of this.#services) if (!sequence.includes(m)) sequence.push(m);
      for (const m of sequence) await this.#stopOne(m);
    })();
    return this.#stopping;
  }

  /** Kills every live child at once (a second Ctrl-C). */
  killAll(): void {
    this.#halted = true;
    for (const m of this.#services) {
      clearTimeout(m.timer);
      if (m.alive) m.child?.kill('SIGKILL');
    }
  }

  #set(m: Managed, patch: Partial<ServiceStatus>): void {
    Object.assign(m.status, patch);
    this.#opts.onChange?.({ ...m.status });
  }

  #spawn(m: Managed): void {
    const { spec } = m;
    if (!m.log && spec.logFile) {
      // A fresh clone has no log folder yet.
      mkdirSync(dirname(spec.logFile), { recursive: true });
      m.log = createWriteStream(spec.logFile, { flags: 'a' });
    }
    // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which stops the services in order.
    const child = nodeSpawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (m.log) {
      child.stdout?.pipe(m.log, { end: false });
      child.stderr?.pipe(m.log, { end: false });
    } else {
      child.stdout?.resume();
      child.stderr?.resume();
    }
    m.child = child;
    m.alive = true;
    const generation = ++m.generation;
    let done = false;
    m.exited = new Promise<void>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        m.alive = false;
        resolve();
        this.#exited(m, code, signal);
      };
      child.once('exit', finish);
      child.once('error', (err) => {
        this.#opts.log(`${spec.name}: could not start (${err.message})`);
        finish(null, null);
      });
    });
    this.#set(m, { state: 'starting', pid: child.pid ?? null });
    void this.#watchReady(m, generation);
  }

  async #watchReady(m: Managed, generation: number): Promise<void> {
    const url = m.spec.healthUrl;
    const probe = this.#opts.probe ?? defaultProbe;
    const started = Date.now();
    const deadline = started + this.#opts.readyTimeoutMs;
    let warned = false;
    while (m.generation === generation && m.alive && !this.#halted) {
      if (!url || (await probe(url, m.status.pid))) {
        if (m.generation !== generation || !m.alive || this.#halted) return;
        this.#set(m, { state: 'running' });
        if (m.status.restarts > 0)
          this.#opts.log(
            `${m.spec.name} is back (pid ${m.status.pid}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s, restart #${m.status.restarts})`,
          );
        return;
      }
      if (!warned && Date.now() > deadline) {
        warned = true;
        this.#opts.log(`${m.spec.name} is not ready after ${this.#opts.readyTimeoutMs / 1000} s; see ${m.spec.logFile ?? 'its log'}`);
      }
      await new Promise((r) => setTimeout(r, this.#opts.pollMs ?? 200));
    }
  }

  #exited(m: Managed, code: number | null, signal: NodeJS.Signals | null): void {
    const lastExit = { code, signal, at: new Date() };
    if (this.#halted) {
      this.#set(m, { state: 'stopped', pid: null, lastExit });
      return;
    }
    const { history, decision } = onCrash(this.#opts.policy, m.crashes, lastExit.at.getTime());
    m.crashes = history;
    const how = describeExit(code, signal);
    if (decision.action === 'give-up') {
      this.#set(m, { state: 'failed', pid: null, lastExit });
      this.#opts.log(
        `${m.spec.name} exited (${how}): ${decision.inWindow} crashes within ${Math.round(this.#opts.policy.windowMs / 1000)} s, more than the limit of ${this.#opts.policy.limit}; giving up. See ${m.spec.logFile ?? 'its log'}`,
      );
      if (!this.#gaveUp) {
        this.#gaveUp = true;
        this.#opts.onGiveUp?.({ ...m.status });
      }
      return;
    }
    this.#set(m, { state: 'backoff', pid: null, lastExit });
    this.#opts.log(
      `${m.spec.name} exited unexpectedly (${how}); restart #${m.status.restarts + 1} in ${(decision.delayMs / 1000).toFixed(1)} s (${decision.inWindow} of ${this.#opts.policy.limit} allowed within ${Math.round(this.#opts.policy.windowMs / 1000)} s); see ${m.spec.logFile ?? 'its log'}`,
    );
    m.timer = setTimeout(() => {
      if (this.#halted) return;
      m.status.restarts++;
      this.#spawn(m);
    }, decision.delayMs);
  }

  async #stopOne(m: Managed): Promise<void> {
    if (!m.alive) {
      if (m.status.state !== 'stopped' && m.status.state !== 'failed') this.#set(m, { state: 'stopped', pid: null });
      m.log?.end();
      return;
    }
    this.#set(m, { state: 'stopping' });
    m.child?.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (m.alive) {
          this.#opts.log(`${m.spec.name} did not stop in ${this.#opts.stopTimeoutMs / 1000} s; killing it`);
          m.child?.kill('SIGKILL');
        }
        resolve();
      }, this.#opts.stopTimeoutMs);
    });
    await Promise.race([m.exited, killed]);
    await m.exited;
    clearTimeout(timer);
    m.log?.end();
  }
}
