// A proxy on 127.0.0.1 in front of moto for IAM/STS Query-protocol calls: it records each
// call's Action and answers chosen actions with an AWS error instead of forwarding them,
// so tests can inject a failure between the steps of a command.

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Answer `action` with the AWS error `code` (HTTP `status`), after letting `skip` of its calls through (counted from when the rule is set), `times` times (default: always). */
export interface FailRule {
  action: string;
  code: string;
  status?: number;
  skip?: number;
  times?: number;
}

/** A running proxy. */
export interface AwsProxy {
  url: string;
  /** Actions seen, in order (failed ones included). */
  calls: string[];
  /** Rules in force; tests replace them between runs. */
  rules: FailRule[];
  /** When set, every answer carries this HTTP Date header instead of moto's (to fake clock skew). */
  date?: string;
  close(): Promise<void>;
}

/** Start a proxy that forwards to `target` (moto's URL). */
export async function startAwsProxy(target: string): Promise<AwsProxy> {
  const proxy: AwsProxy = { url: '', calls: [], rules: [], close: async () => undefined };
  const seen = new WeakMap<FailRule, number>();
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const action =
        new URLSearchParams(body.toString('utf8')).get('Action') ??
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ??
        '';
      proxy.calls.push(action);
      const rule = proxy.rules.find((r) => r.action === action);
      const n = rule ? (seen.get(rule) ?? 0) : 0;
      if (rule) seen.set(rule, n + 1);
      if (rule && n >= (rule.skip ?? 0) && n < (rule.skip ?? 0) + (rule.times ?? Infinity)) {
        res.writeHead(rule.status ?? 403, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>${rule.code}</Code><Message>injected by the test proxy</Message></Error><RequestId>test-proxy</RequestId></ErrorResponse>`,
        );
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      const answer = await fetch(`${target}${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers,
        ...(body.length ? { body: new Uint8Array(body) } : {}),
      });
      const out = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'text/xml',
        date: proxy.date ?? answer.headers.get('date') ?? new Date().toUTCString(),
      });
      res.end(out);
    })().catch((e: unknown) => {
      res.writeHead(502);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => server.close(() => resolve()));
  return proxy;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
