// A local stand-in for the AWS sign-in federation endpoint (https://signin.aws.amazon.com/federation)
// on 127.0.0.1: records every request and answers getSigninToken with {"SigninToken": "..."}.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback.js';

/** One request as the fake saw it. */
export interface FederationRequest {
  method: string;
  path: string;
  /** The query parameters, decoded. */
  params: Record<string, string>;
}

/** A running fake federation endpoint. */
export interface FakeFederation {
  /** http://127.0.0.1:<port>/federation, for MFA_EXEC_FEDERATION_URL */
  url: string;
  /** The token every getSigninToken is answered with. */
  signinToken: string;
  requests: FederationRequest[];
  /** 'ok' answers the token; 'non-json' answers an HTML page; 'refuse' answers 400 as AWS does for bad credentials. */
  setMode(mode: 'ok' | 'non-json' | 'refuse'): void;
  close(): Promise<void>;
}

/** Start the fake on a free port of 127.0.0.1. */
export async function startFakeFederation(): Promise<FakeFederation> {
  const signinToken = randomBytes(48).toString('base64url');
  const requests: FederationRequest[] = [];
  let mode: 'ok' | 'non-json' | 'refuse' = 'ok';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: url.pathname, params: Object.fromEntries(url.searchParams) });
    if (url.pathname !== '/federation' || url.searchParams.get('Action') !== 'getSigninToken') {
      res.writeHead(404).end();
    } else if (mode === 'refuse') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad Request');
    } else if (mode === 'non-json') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SigninToken: signinToken }));
    }
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url: `${url}/federation`,
    signinToken,
    requests,
    setMode: (m) => void (mode = m),
    close,
  };
}
