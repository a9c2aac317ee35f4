// In-memory fakes of core's own ports (src/core/types.ts), recording what core asked of them.

import { AwsCallError } from '../../src/core/errors.js';
import type {
  Clock,
  Credentials,
  Lock,
  Logger,
  MfaCodeSource,
  SecretStore,
  StsClient,
  UsedCodes,
} from '../../src/core/types.js';

/** One call made to a MemoryStore. */
export type StoreCall = { op: 'get' | 'set' | 'delete'; name: string } | { op: 'list' };

/** A SecretStore in a Map that records every call (`calls`) so tests can count store reads. */
export class MemoryStore implements SecretStore {
  readonly items = new Map<string, string>();
  readonly calls: StoreCall[] = [];

  constructor(initial: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(initial)) this.items.set(name, value);
  }

  async get(name: string): Promise<string | null> {
    this.calls.push({ op: 'get', name });
    return this.items.get(name) ?? null;
  }

  async set(name: string, value: string): Promise<void> {
    this.calls.push({ op: 'set', name });
    this.items.set(name, value);
  }

  async delete(name: string): Promise<boolean> {
    this.calls.push({ op: 'delete', name });
    return this.items.delete(name);
  }

  async list(): Promise<string[]> {
    this.calls.push({ op: 'list' });
    return [...this.items.keys()];
  }

  /** The names passed to `op`, in call order. */
  names(op: 'get' | 'set' | 'delete'): string[] {
    return this.calls.flatMap((c) => (c.op === op ? [c.name] : []));
  }
}

/** A Clock at a fixed time that moves only by `advance` or `sleep` (which returns at once and is recorded). */
export class FakeClock implements Clock {
  private ms: number;
  readonly sleeps: number[] = [];

  constructor(start: number) {
    this.ms = start;
  }

  now(): Date {
    return new Date(this.ms);
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.ms += ms;
  }

  /** Move time forward by `ms`. */
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** One call made to a FakeSts, with its input and what it answered (undefined when it failed). */
export type StsCall =
  | { op: 'getSessionToken'; input: Parameters<StsClient['getSessionToken']>[0]; result?: Credentials }
  | { op: 'assumeRole'; input: Parameters<StsClient['assumeRole']>[0]; result?: Credentials }
  | {
      op: 'assumeRoleWithWebIdentity';
      input: Parameters<StsClient['assumeRoleWithWebIdentity']>[0];
      result?: Credentials;
    };

type StsOp = StsCall['op'];

/**
 * An StsClient that records calls and answers fresh credentials expiring at
 * clock.now() + durationSeconds, or fails the next calls as told by `failNext`.
 */
export class FakeSts implements StsClient {
  readonly calls: StsCall[] = [];
  /** Called at the start of every call (e.g. to check a lock is held). */
  onCall?: (op: StsOp) => void;
  private readonly failures: { code: string; message: string; on?: StsOp }[] = [];
  private issued = 0;

  constructor(private readonly clock: Clock) {}

  /** The next `times` calls (of `on` only, when given) throw `new AwsCallError(code, message)`. */
  failNext(code: string, message: string, options: { times?: number; on?: StsOp } = {}): void {
    for (let i = 0; i < (options.times ?? 1); i++) this.failures.push({ code, message, on: options.on });
  }

  /** The recorded calls of one kind. */
  callsOf<K extends StsOp>(op: K): Extract<StsCall, { op: K }>[] {
    return this.calls.filter((c): c is Extract<StsCall, { op: K }> => c.op === op);
  }

  async getSessionToken(input: Parameters<StsClient['getSessionToken']>[0]): Promise<Credentials> {
    const call: StsCall = { op: 'getSessionToken', input };
    this.calls.push(call);
    return (call.result = this.answer('getSessionToken', 'ASIASESSION', input.durationSeconds));
  }

  async assumeRole(input: Parameters<StsClient['assumeRole']>[0]): Promise<Credentials> {
    const call: StsCall = { op: 'assumeRole', input };
    this.calls.push(call);
    return (call.result = this.answer('assumeRole', 'ASIAROLE', input.durationSeconds));
  }

  async assumeRoleWithWebIdentity(input: Parameters<StsClient['assumeRoleWithWebIdentity']>[0]): Promise<Credentials> {
    const call: StsCall = { op: 'assumeRoleWithWebIdentity', input };
    this.calls.push(call);
    return (call.result = this.answer('assumeRoleWithWebIdentity', 'ASIAWEBID', input.durationSeconds ?? 3600));
  }

  private answer(op: StsOp, prefix: string, durationSeconds: number): Credentials {
    this.onCall?.(op);
    const next = this.failures[0];
    if (next && (next.on === undefined || next.on === op)) {
      this.failures.shift();
      throw new AwsCallError(next.code, next.message);
    }
    this.issued++;
    return {
      accessKeyId: `${prefix}${String(this.issued).padStart(4, '0')}`,
      secretAccessKey: `sts-secret-${this.issued}`,
      sessionToken: `sts-token-${this.issued}`,
      expiration: new Date(this.clock.now().getTime() + durationSeconds * 1000),
    };
  }
}

/** A Lock that runs `fn` at once, recording the names; `beforeRun` simulates what happens while waiting. */
export class RecordingLock implements Lock {
  readonly names: string[] = [];
  held = false;
  beforeRun?: () => Promise<void> | void;

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.names.push(name);
    await this.beforeRun?.();
    this.held = true;
    try {
      return await fn();
    } finally {
      this.held = false;
    }
  }
}

/** A Logger that keeps every message. */
export class RecordingLogger implements Logger {
  readonly messages: { level: 'debug' | 'info'; message: string }[] = [];

  debug(message: string): void {
    this.messages.push({ level: 'debug', message });
  }

  info(message: string): void {
    this.messages.push({ level: 'info', message });
  }

  /** Every message, one per line. */
  text(): string {
    return this.messages.map((m) => m.message).join('\n');
  }
}

/** UsedCodes in a Set; `marked` records markUsed calls in order. */
export class MemoryUsedCodes implements UsedCodes {
  private readonly used = new Set<string>();
  readonly marked: { serial: string; code: string }[] = [];

  constructor(initial: { serial: string; code: string }[] = []) {
    for (const { serial, code } of initial) this.used.add(`${serial}\n${code}`);
  }

  async wasUsed(serial: string, code: string): Promise<boolean> {
    return this.used.has(`${serial}\n${code}`);
  }

  async markUsed(serial: string, code: string): Promise<void> {
    this.marked.push({ serial, code });
    this.used.add(`${serial}\n${code}`);
  }
}

/** An MfaCodeSource answering a scripted list of codes in order (throws when it runs out); `asked` records each request. */
export class ScriptedMfaSource implements MfaCodeSource {
  readonly name: string;
  readonly interactive: boolean;
  readonly maxTries: number;
  readonly asked: { serial: string; attempt: number }[] = [];
  private readonly codes: string[];

  constructor(codes: string[], options: { name?: string; interactive?: boolean; maxTries?: number } = {}) {
    this.codes = [...codes];
    this.name = options.name ?? 'the scripted source';
    this.interactive = options.interactive ?? true;
    this.maxTries = options.maxTries ?? 3;
  }

  async getCode(serial: string, attempt: number): Promise<string> {
    this.asked.push({ serial, attempt });
    const code = this.codes.shift();
    if (code === undefined) throw new Error(`ScriptedMfaSource: no code left for attempt ${attempt}`);
    return code;
  }
}
