// A minimal D-Bus client: one connection to a bus given by its address, method calls
// pipelined behind the authentication, and their replies. Enough for the Secret Service
// read on the warm path (adapters/secret-service.ts) without the native keyring binding.
// Wire format as the D-Bus specification defines it: messages out are little-endian,
// replies are read in either byte order; types y b u s o g v a ( { only.

import { createConnection, type Socket } from 'node:net';

/** A variant's value with its signature. */
export interface Variant {
  sig: string;
  value: DbusValue;
}
/** `ay` is a Buffer; other arrays and structs are arrays; a dict entry is a [key, value] pair. */
export type DbusValue = string | number | boolean | Buffer | Variant | DbusValue[];

/** An error reply: `name` is the D-Bus error name (org.freedesktop.DBus.Error.ServiceUnknown…). */
export class DbusError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

const ALIGN: Record<string, number> = { y: 1, g: 1, v: 1, b: 4, u: 4, s: 4, o: 4, a: 4, '(': 8, '{': 8 };

/** The end (exclusive) of the single complete type starting at `sig[i]`. */
function typeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === 'a') return typeEnd(sig, i + 1);
  if (c === '(' || c === '{') {
    let j = i + 1;
    while (sig[j] !== (c === '(' ? ')' : '}')) {
      if (j >= sig.length) throw new Error(`bad D-Bus signature ${sig}`);
      j = typeEnd(sig, j);
    }
    return j + 1;
  }
  if (c === undefined || !(c in ALIGN)) throw new Error(`unsupported D-Bus type in ${sig}`);
  return i + 1;
}

/** The single complete types of a signature, in order. */
export function splitSignature(sig: string): string[] {
  const types: string[] = [];
  for (let i = 0; i < sig.length;) {
    const end = typeEnd(sig, i);
    types.push(sig.slice(i, end));
    i = end;
  }
  return types;
}

/** Marshals values into a growing little-endian buffer whose offset 0 is 8-aligned. */
export class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  private u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  private bytes(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  write(type: string, value: DbusValue): void {
    const c = type[0];
    switch (c) {
      case 'y':
        return this.u8(value as number);
      case 'b':
        return this.u32(value ? 1 : 0);
      case 'u':
        return this.u32(value as number);
      case 's':
      case 'o': {
        const b = Buffer.from(value as string, 'utf8');
        this.u32(b.length);
        this.bytes(b);
        return this.u8(0);
      }
      case 'g':
        this.u8(Buffer.byteLength(value as string));
        this.bytes(Buffer.from(value as string, 'ascii'));
        return this.u8(0);
      case 'v': {
        const v = value as Variant;
        this.write('g', v.sig);
        return this.write(v.sig, v.value);
      }
      case 'a': {
        const elem = type.slice(1);
        this.u32(0);
        const lengthAt = this.length - 4;
        this.align(ALIGN[elem[0]!]!);
        const start = this.length;
        if (elem === 'y') this.bytes(value as Buffer);
        else for (const e of value as DbusValue[]) this.write(elem, e);
        this.buf.writeUInt32LE(this.length - start, lengthAt);
        return;
      }
      case '(':
      case '{': {
        this.align(8);
        const fields = splitSignature(type.slice(1, -1));
        fields.forEach((t, i) => this.write(t, (value as DbusValue[])[i]!));
        return;
      }
      default:
        throw new Error(`unsupported D-Bus type ${type}`);
    }
  }

  done(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Unmarshals values from a message buffer (offsets from the message's start, which is 8-aligned). */
export class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly le: boolean,
  ) {}

  private align(n: number): void {
    this.pos += (n - (this.pos % n)) % n;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('truncated D-Bus message');
  }

  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.le ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  read(type: string): DbusValue {
    const c = type[0];
    switch (c) {
      case 'y':
        this.need(1);
        return this.buf[this.pos++]!;
      case 'b':
        return this.u32() !== 0;
      case 'u':
        return this.u32();
      case 's':
      case 'o': {
        const n = this.u32();
        this.need(n + 1);
        const s = this.buf.toString('utf8', this.pos, this.pos + n);
        this.pos += n + 1;
        return s;
      }
      case 'g': {
        this.need(1);
        const n = this.buf[this.pos++]!;
        this.need(n + 1);
        const s = this.buf.toString('ascii', this.pos, this.pos + n);
        this.pos += n + 1;
        return s;
      }
      case 'v': {
        const sig = this.read('g') as string;
        if (splitSignature(sig).length !== 1) throw new Error(`bad D-Bus variant signature ${sig}`);
        return { sig, value: this.read(sig) };
      }
      case 'a': {
        const elem = type.slice(1);
        const n = this.u32();
        this.align(ALIGN[elem[0]!]!);
        this.need(n);
        const end = this.pos + n;
        if (elem === 'y') {
          const b = Buffer.from(this.buf.subarray(this.pos, end));
          this.pos = end;
          return b;
        }
        const out: DbusValue[] = [];
        while (this.pos < end) out.push(this.read(elem));
        if (this.pos !== end) throw new Error('malformed D-Bus array');
        return out;
      }
      case '(':
      case '{': {
        this.align(8);
        return splitSignature(type.slice(1, -1)).map((t) => this.read(t));
      }
      default:
        throw new Error(`unsupported D-Bus type ${type}`);
    }
  }
}

const METHOD_CALL = 1;
const METHOD_RETURN = 2;
const ERROR = 3;
// Header field codes.
const Field = { Path: 1, Interface: 2, Member: 3, ErrorName: 4, ReplySerial: 5, Destination: 6, Signature: 8 } as const;

export interface Call {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DbusValue[];
}

/** One METHOD_CALL message. */
export function encodeCall(serial: number, call: Call): Buffer {
  const body = new Writer();
  const types = splitSignature(call.signature ?? '');
  types.forEach((t, i) => body.write(t, call.body![i]!));
  const fields: DbusValue[] = [
    [Field.Path, { sig: 'o', value: call.path }],
    [Field.Interface, { sig: 's', value: call.interface }],
    [Field.Member, { sig: 's', value: call.member }],
    [Field.Destination, { sig: 's', value: call.destination }],
  ];
  if (types.length) fields.push([Field.Signature, { sig: 'g', value: call.signature! }]);
  const head = new Writer();
  for (const b of [0x6c /* 'l' */, METHOD_CALL, 0, 1]) head.write('y', b);
  head.u32(body.length);
  head.u32(serial);
  head.write('a(yv)', fields);
  head.align(8);
  return Buffer.concat([head.done(), body.done()]);
}

export interface Message {
  type: number;
  replySerial?: number;
  errorName?: string;
  body: DbusValue[];
}

/** The length of the first whole message in `buf`, or 0 while it is incomplete. */
export function messageLength(buf: Buffer): number {
  if (buf.length < 16) return 0;
  const le = buf[0] === 0x6c;
  if (!le && buf[0] !== 0x42) throw new Error('not a D-Bus message');
  const bodyLength = le ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fieldsLength = le ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const total = 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8) + bodyLength;
  return buf.length >= total ? total : 0;
}

/** Decodes one whole message (as delimited by messageLength). */
export function decodeMessage(msg: Buffer): Message {
  const le = msg[0] === 0x6c;
  const r = new Reader(msg, 12, le);
  const fields = r.read('a(yv)') as [number, Variant][];
  const field = (code: number) => fields.find(([c]) => c === code)?.[1].value;
  const signature = (field(Field.Signature) as string | undefined) ?? '';
  const bodyLength = le ? msg.readUInt32LE(4) : msg.readUInt32BE(4);
  r.pos = msg.length - bodyLength;
  return {
    type: msg[1]!,
    replySerial: field(Field.ReplySerial) as number | undefined,
    errorName: field(Field.ErrorName) as string | undefined,
    body: splitSignature(signature).map((t) => r.read(t)),
  };
}

/** The socket path of a bus address (`unix:path=…` or `unix:abstract=…`, the first that is one), or undefined. */
export function socketPath(address: string): string | undefined {
  for (const entry of address.split(';')) {
    const colon = entry.indexOf(':');
    if (entry.slice(0, colon) !== 'unix') continue;
    const params = new Map(
      entry
        .slice(colon + 1)
        .split(',')
        .map((kv) => {
          const eq = kv.indexOf('=');
          return [kv.slice(0, eq), decodeURIComponent(kv.slice(eq + 1))] as const;
        }),
    );
    const path = params.get('path');
    if (path) return path;
    const abstract = params.get('abstract');
    if (abstract) return `\0${abstract}`;
  }
  return undefined;
}

/**
 * A connection to the bus at `socket`, authenticated as this process's user (SASL EXTERNAL).
 * Calls are written at once, behind the authentication and Hello, so a sequence of calls
 * costs one round trip. `close` ends it, and every call still waiting then rejects.
 */
export class DbusConnection {
  private readonly socket: Socket;
  private serial = 0;
  private authenticated = false;
  private input: Buffer = Buffer.alloc(0);
  private failure: Error | undefined;
  private readonly pending = new Map<number, { resolve(m: Message): void; reject(e: Error): void }>();

  constructor(socket: string) {
    this.socket = createConnection({ path: socket });
    const uid = Buffer.from(String(process.getuid!()), 'ascii').toString('hex');
    this.socket.write(`\0AUTH EXTERNAL ${uid}\r\nBEGIN\r\n`);
    this.send({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'Hello',
    }).catch(() => undefined);
    this.socket.on('data', (d: Buffer) => this.receive(d));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('the D-Bus connection closed')));
  }

  /** Sends one method call; resolves with its reply's body, rejects with DbusError on an error reply. */
  call(call: Call): Promise<DbusValue[]> {
    return this.send(call).then((m) => {
      if (m.type === ERROR) throw new DbusError(m.errorName ?? 'unknown', String(m.body[0] ?? m.errorName));
      return m.body;
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private send(call: Call): Promise<Message> {
    if (this.failure) return Promise.reject(this.failure);
    const serial = ++this.serial;
    const reply = new Promise<Message>((resolve, reject) => this.pending.set(serial, { resolve, reject }));
    this.socket.write(encodeCall(serial, call));
    return reply;
  }

  private receive(data: Buffer): void {
    this.input = this.input.length ? Buffer.concat([this.input, data]) : data;
    try {
      if (!this.authenticated) {
        const eol = this.input.indexOf('\r\n');
        if (eol < 0) return;
        const line = this.input.toString('ascii', 0, eol);
        if (!line.startsWith('OK ')) throw new Error(`D-Bus authentication failed: ${line.split(' ')[0]}`);
        this.authenticated = true;
        this.input = this.input.subarray(eol + 2);
      }
      for (let n = messageLength(this.input); n > 0; n = messageLength(this.input)) {
        const whole = this.input.subarray(0, n);
        this.input = this.input.subarray(n);
        // Only replies are decoded: a signal (NameAcquired…) may carry types this client does not read.
        if (whole[1] !== METHOD_RETURN && whole[1] !== ERROR) continue;
        const m = decodeMessage(whole);
        const waiter = m.replySerial === undefined ? undefined : this.pending.get(m.replySerial);
        if (!waiter) continue;
        this.pending.delete(m.replySerial!);
        waiter.resolve(m);
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      this.socket.destroy();
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.pending.values()) w.reject(this.failure);
    this.pending.clear();
  }
}
