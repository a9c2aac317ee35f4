// Bench reference (not mfa-exec): the least a credential server can be, a node:http server on
// 127.0.0.1 that checks the token and answers a fixed JSON body, run exactly as
// `mfa-exec exec --ecs-server -- CMD...` runs it: CMD as its child, told the URL and token in
// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN. The same load
// generator against it shows how much of the latency tail is the generator's and the machine's.
// `node ref-ecs-server.cjs CMD...`
const { createServer } = require('node:http');
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const token = randomBytes(32).toString('base64url');
const body = JSON.stringify({
  AccessKeyId: 'ASIAREFERENCE0000001',
  SecretAccessKey: 'reference/not/a/secret/000000000000000001',
  Token: 'reference-token',
  Expiration: new Date(Date.now() + 3600_000).toISOString(),
});
const server = createServer((req, res) => {
  const ok = req.headers.authorization === token && req.url === '/';
  res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' });
  res.end(ok ? body : '{}');
});
server.listen(0, '127.0.0.1', () => {
  const [cmd, ...args] = process.argv.slice(2);
  const env = {
    ...process.env,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${server.address().port}/`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
  };
  spawn(cmd, args, { stdio: 'inherit', env }).on('exit', (code) => {
    server.close();
    process.exit(code ?? 1);
  });
});
