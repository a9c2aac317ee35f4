// The D-Bus wire format of src/adapters/dbus.ts, without a bus (the real bus and a real
// Secret Service are in test/integration/keychain.test.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DbusConnection,
  DbusError,
  decodeMessage,
  encodeCall,
  messageLength,
  socketPath,
  splitSignature,
  Writer,
  Reader,
  type DbusValue,
} from '../../src/adapters/dbus.js';
import { readSecretDirect } from '../../src/adapters/secret-service.js';

describe('D-Bus marshalling', () => {
  it('splits a signature into single complete types', () => {
    expect(splitSignature('sva{ss}aoo(oayays)a{o(oayays)}')).toEqual([
      's',
      'v',
      'a{ss}',
      'ao',
      'o',
      '(oayays)',
      'a{o(oayays)}',
    ]);
    expect(() => splitSignature('a{ss')).toThrow(/signature/);
    expect(() => splitSignature('h')).toThrow(/unsupported/);
    expect(() => splitSignature('i')).toThrow(/unsupported/);
  });

  it('aligns as the specification says: strings 4, structs 8, a length that excludes the padding before the first element', () => {
    const w = new Writer();
    w.write('y', 7);
    w.write('a(yv)', [[1, { sig: 's', value: 'ab' }]]);
    // y, 3 pad, u32 array length (11), the struct at 8 (aligned), y 1, g "s" (9–11), u32 2 at 12, "ab\0"
    expect(w.done().toString('hex')).toBe('07000000' + '0b000000' + '01' + '01' + '7300' + '02000000' + '616200');
    const r = new Reader(w.done(), 0, true);
    expect(r.read('y')).toBe(7);
    expect(r.read('a(yv)')).toEqual([[1, { sig: 's', value: 'ab' }]]);
  });

  it('round-trips a method call with every type the Secret Service read uses', () => {
    const secret = ['/org/freedesktop/secrets/session/s1', Buffer.alloc(0), Buffer.from('é☃ value'), 'text/plain'];
    const body: DbusValue[] = [
      'plain',
      { sig: 's', value: '' },
      [
        ['service', 'mfa-exec'],
        ['username', 'role:p'],
      ],
      ['/a/1', '/a/2'],
      [['/a/1', secret]],
      true,
      0xffffffff,
    ];
    const msg = encodeCall(42, {
      destination: 'org.freedesktop.secrets',
      path: '/org/freedesktop/secrets',
      interface: 'org.freedesktop.Secret.Service',
      member: 'Test',
      signature: 'sva{ss}aoa{o(oayays)}bu',
      body,
    });
    expect((msg.length - msg.readUInt32LE(4)) % 8).toBe(0); // the body starts 8-aligned
    expect(messageLength(msg)).toBe(msg.length);
    expect(messageLength(msg.subarray(0, msg.length - 1))).toBe(0);
    expect(messageLength(Buffer.concat([msg, msg]))).toBe(msg.length);
    const m = decodeMessage(msg);
    expect(m.type).toBe(1);
    expect(m.body).toEqual(body);
  });

  it('reads a big-endian message', () => {
    // An ERROR reply (type 3) to serial 9: fields REPLY_SERIAL u 9 and SIGNATURE g "s"; body s "no".
    const fields = Buffer.from(
      '05' +
        '01' +
        '7500' +
        '00000009' + // (y 5, v u 9)
        '08' +
        '01' +
        '6700' +
        '01' +
        '7300', // (y 8, v g "s"), 8-aligned
      'hex',
    );
    const head = Buffer.concat([
      Buffer.from('42030001', 'hex'),
      Buffer.from('00000007', 'hex'), // body length
      Buffer.from('00000001', 'hex'), // serial
      Buffer.from([0, 0, 0, fields.length]),
      fields,
    ]);
    const padded = Buffer.concat([head, Buffer.alloc((8 - (head.length % 8)) % 8)]);
    const msg = Buffer.concat([padded, Buffer.from('000000026e6f00', 'hex')]);
    expect(messageLength(msg)).toBe(msg.length);
    expect(decodeMessage(msg)).toEqual({ type: 3, replySerial: 9, errorName: undefined, body: ['no'] });
  });

  it('rejects what is not a D-Bus message, and a truncated value', () => {
    expect(() => messageLength(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))).toThrow(/not a D-Bus message/);
    expect(() => new Reader(Buffer.from('ff000000', 'hex'), 0, true).read('s')).toThrow(/truncated/);
    // a variant holds exactly one complete type
    expect(() => new Reader(Buffer.from('02737300', 'hex'), 0, true).read('v')).toThrow(/variant signature/);
  });

  it('finds the socket of a session bus address', () => {
    expect(socketPath('unix:path=/run/user/1000/bus')).toBe('/run/user/1000/bus');
    expect(socketPath('unix:abstract=/tmp/dbus-Xy,guid=0123')).toBe('\0/tmp/dbus-Xy');
    expect(socketPath('tcp:host=localhost,port=1;unix:path=/tmp/a%20b')).toBe('/tmp/a b');
    expect(socketPath('tcp:host=localhost,port=1')).toBeUndefined();
    expect(socketPath('unix:tmpdir=/tmp')).toBeUndefined();
  });
});

/** One message from a bus to the client: `fields` and `body` already chosen; `rawBody` for types the client lacks. */
function busMessage(type: number, fields: DbusValue[], sig: string, body: DbusValue[], rawBody?: Buffer): Buffer {
  const b = new Writer();
  if (!rawBody) splitSignature(sig).forEach((t, i) => b.write(t, body[i]!));
  const payload = rawBody ?? b.done();
  const h = new Writer();
  for (const y of [0x6c, type, 0, 1]) h.write('y', y);
  h.u32(payload.length);
  h.u32(1000 + type);
  h.write('a(yv)', sig ? [...fields, [8, { sig: 'g', value: sig }]] : fields);
  h.align(8);
  return Buffer.concat([h.done(), payload]);
}

/**
 * A stand-in bus on a unix socket in a new temp folder: it answers the SASL exchange with OK
 * (reporting what the client sent to `onAuth`, which may also write), then hands each whole
 * message's serial to `onCall`. `close` stops it and removes the folder.
 */
async function standInBus(
  onCall: (serial: number, sock: Socket) => void,
  onAuth: (auth: string, sock: Socket) => void = () => undefined,
): Promise<{ path: string; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-exec-dbus-'));
  const path = join(dir, 'bus');
  const server = createServer((sock) => {
    let input = Buffer.alloc(0);
    let authed = false;
    sock.on('data', (d: Buffer) => {
      input = Buffer.concat([input, d]);
      if (!authed) {
        const end = input.indexOf('BEGIN\r\n');
        if (end < 0) return;
        const auth = input.toString('latin1', 0, end + 7);
        input = input.subarray(end + 7);
        authed = true;
        sock.write('OK 0123456789abcdef\r\n');
        onAuth(auth, sock);
      }
      for (let n = messageLength(input); n > 0; n = messageLength(input)) {
        const serial = input.readUInt32LE(8);
        input = input.subarray(n);
        onCall(serial, sock);
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  return {
    path,
    close() {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('DbusConnection against a stand-in bus', () => {
  it('authenticates, skips signals it cannot decode, resolves replies, rejects errors, and fails what is pending on close', async () => {
    let auth = '';
    const stand = await standInBus(
      (serial, sock) => {
        const to: DbusValue = [5, { sig: 'u', value: serial }];
        if (serial === 1) sock.write(busMessage(2, [to], 's', [':1.42'])); // Hello
        if (serial === 2) sock.write(busMessage(2, [to], 'ao', [['/a/1']]));
        if (serial === 3)
          sock.write(busMessage(3, [to, [4, { sig: 's', value: 'org.example.Error.Nope' }]], 's', ['no such thing']));
        // serial 4: never answered
      },
      (sent, sock) => {
        auth = sent;
        // A signal with a 64-bit integer body ('x'), which the client does not read.
        sock.write(
          busMessage(
            4,
            [
              [1, { sig: 'o', value: '/x' }],
              [2, { sig: 's', value: 'a.b' }],
              [3, { sig: 's', value: 'C' }],
            ],
            'x',
            [],
            Buffer.alloc(8),
          ),
        );
      },
    );
    const bus = new DbusConnection(stand.path);
    const call = { destination: 'org.example', path: '/', interface: 'org.example.I', member: 'M' };
    try {
      expect(await bus.call(call)).toEqual([['/a/1']]);
      const refused = bus.call(call);
      await expect(refused).rejects.toBeInstanceOf(DbusError);
      await expect(refused).rejects.toMatchObject({ name: 'org.example.Error.Nope', message: 'no such thing' });
      const unanswered = bus.call(call);
      bus.close();
      await expect(unanswered).rejects.toThrow('the D-Bus connection closed');
      expect(auth).toBe(`\0AUTH EXTERNAL ${Buffer.from(String(process.getuid!())).toString('hex')}\r\nBEGIN\r\n`);
    } finally {
      bus.close();
      stand.close();
    }
  });
});

describe('readSecretDirect against a stand-in bus', () => {
  it('answers undefined, with no unhandled rejection, when the Secret Service leaves without replying to either call', async () => {
    // Hello answered; OpenSession and SearchItems both refused, in one write, as a bus does when
    // the keyring daemon exits with both calls pending.
    const to = (serial: number): DbusValue => [5, { sig: 'u', value: serial }];
    const gone: DbusValue = [4, { sig: 's', value: 'org.freedesktop.DBus.Error.NoReply' }];
    const left = ['Message recipient disconnected from message bus without replying'];
    const stand = await standInBus((serial, sock) => {
      if (serial === 3)
        sock.write(
          Buffer.concat([
            busMessage(2, [to(1)], 's', [':1.7']),
            busMessage(3, [to(2), gone], 's', left),
            busMessage(3, [to(3), gone], 's', left),
          ]),
        );
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect(
        await readSecretDirect('mfa-exec', 'role:p', { DBUS_SESSION_BUS_ADDRESS: `unix:path=${stand.path}` }),
      ).toBe(undefined);
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      stand.close();
    }
  });
});
