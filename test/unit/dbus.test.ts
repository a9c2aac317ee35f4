// The D-Bus wire format of src/adapters/dbus.ts, without a bus (the real bus and a real
// Secret Service are in test/integration/keychain.test.ts).

import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeCall,
  messageLength,
  socketPath,
  splitSignature,
  Writer,
  Reader,
  type DbusValue,
} from '../../src/adapters/dbus.js';

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
      -5,
    ];
    const msg = encodeCall(42, {
      destination: 'org.freedesktop.secrets',
      path: '/org/freedesktop/secrets',
      interface: 'org.freedesktop.Secret.Service',
      member: 'Test',
      signature: 'sva{ss}aoa{o(oayays)}bui',
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
  });

  it('finds the socket of a session bus address', () => {
    expect(socketPath('unix:path=/run/user/1000/bus')).toBe('/run/user/1000/bus');
    expect(socketPath('unix:abstract=/tmp/dbus-Xy,guid=0123')).toBe('\0/tmp/dbus-Xy');
    expect(socketPath('tcp:host=localhost,port=1;unix:path=/tmp/a%20b')).toBe('/tmp/a b');
    expect(socketPath('tcp:host=localhost,port=1')).toBeUndefined();
    expect(socketPath('unix:tmpdir=/tmp')).toBeUndefined();
  });
});
