// A local EC2 instance metadata service (IMDSv2 only) on 127.0.0.1: PUT /latest/api/token,
// then GET /latest/meta-data/iam/security-credentials/[ROLE] with the token, as on EC2.
// Also serves as an ECS container credentials endpoint (GET /creds with an Authorization header).

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback.js';

/** What the instance (or container) role's credentials are. */
export interface MetadataCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** A running stand-in. */
export interface Imds {
  /** http://127.0.0.1:<port>, for AWS_EC2_METADATA_SERVICE_ENDPOINT */
  url: string;
  /** every request: method, path and whether it carried a valid token (or authorization) */
  requests: { method: string; path: string; authorized: boolean }[];
  /** the Authorization value the container endpoint (GET /creds) wants */
  containerToken: string;
  close(): Promise<void>;
}

/** Start the stand-in; `credentials()` is asked on every credentials read. */
export async function startImds(opts: { roleName: string; credentials: () => MetadataCredentials }): Promise<Imds> {
  const tokens = new Set<string>();
  const requests: Imds['requests'] = [];
  const containerToken = randomBytes(16).toString('hex');
  const body = () => {
    const c = opts.credentials();
    return JSON.stringify({
      Code: 'Success',
      LastUpdated: new Date().toISOString(),
      Type: 'AWS-HMAC',
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      Token: c.sessionToken,
      Expiration: c.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const send = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(text);
    };
    if (path === '/creds') {
      const authorized = req.headers.authorization === containerToken;
      requests.push({ method: req.method ?? '', path, authorized });
      return authorized ? send(200, body()) : send(401, 'unauthorized');
    }
    if (req.method === 'PUT' && path === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      requests.push({ method: 'PUT', path, authorized: true });
      if (!(ttl >= 1 && ttl <= 21600)) return send(400, 'bad ttl');
      const token = randomBytes(24).toString('base64');
      tokens.add(token);
      return send(200, token);
    }
    const authorized = tokens.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''));
    requests.push({ method: req.method ?? '', path, authorized });
    // IMDSv2 only: a read without a session token is refused, as with HttpTokens=required.
    if (!authorized) return send(401, 'unauthorized');
    const prefix = '/latest/meta-data/iam/security-credentials/';
    if (path === prefix) return send(200, opts.roleName);
    if (path === `${prefix}${opts.roleName}`) return send(200, body());
    return send(404, 'not found');
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    containerToken,
    close,
  };
}
