// Bench helper run as the child of `mfa-exec exec p --ecs-server`: sends N requests to the
// credential server over loopback (keep-alive, C at a time) and prints one JSON line with
// requests/s and latency percentiles. Bounded in count and time; loopback only.
import http from 'node:http';

const total = Number(process.argv[2] ?? 10000);
const concurrency = Number(process.argv[3] ?? 8);
const url = new URL(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
const headers = { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN };
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies = [];
let failures = 0;
let sent = 0;
const deadline = Date.now() + 60_000;

const one = () =>
  new Promise((done) => {
    const t0 = process.hrtime.bigint();
    http
      .get(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) failures++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          done();
        });
      })
      .on('error', () => {
        failures++;
        done();
      });
  });

const worker = async () => {
  while (sent < total && Date.now() < deadline) {
    sent++;
    await one();
  }
};
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
console.log(
  JSON.stringify({ requests: latencies.length, failures, rps: latencies.length / seconds, p50: pct(50), p99: pct(99) }),
);
agent.destroy();
