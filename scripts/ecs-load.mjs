// Bench helper run as the child of `mfa-exec exec p --ecs-server`: sends N requests to the
// credential server over loopback (keep-alive, C at a time) and prints one JSON line with
// requests/s and latency percentiles. Bounded in count and time; loopback only.
// Then N/4 requests one at a time (p99Serial: the server's own latency, without requests
// queued behind each other in this client), and the time this client spent in GC pauses
// (gcMs) and how many of its slowest 1% overlapped one (slowInGc): where the tail comes from.
import http from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';

const total = Number(process.argv[2] ?? 10000);
const concurrency = Number(process.argv[3] ?? 8);
const url = new URL(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
const headers = { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN };
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies = [];
const spans = [];
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
}).observe({ entryTypes: ['gc'] });
let failures = 0;
let sent = 0;
const deadline = Date.now() + 60_000;

const one = () =>
  new Promise((done) => {
    const t0 = process.hrtime.bigint();
    const start = performance.now();
    http
      .get(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) failures++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          spans.push([start, performance.now()]);
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
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const p99 = pct(latencies, 99);
const slow = spans.filter(([a, b]) => b - a >= p99);
const slowInGc = slow.filter(([a, b]) => gcs.some(([g0, g1]) => g0 < b && g1 > a)).length;
const gcMs = gcs.reduce((sum, [a, b]) => sum + (b - a), 0);
const concurrent = latencies.length;
// One at a time.
const serial = [];
for (let i = 0; i < Math.floor(total / 4) && Date.now() < deadline; i++) {
  const before = latencies.length;
  await one();
  if (latencies.length > before) serial.push(latencies[latencies.length - 1]);
}
console.log(
  JSON.stringify({
    requests: concurrent,
    failures,
    rps: concurrent / seconds,
    p50: pct(latencies.slice(0, concurrent), 50),
    p99,
    p99Serial: pct(serial, 99),
    p50Serial: pct(serial, 50),
    gcMs,
    slow: slow.length,
    slowInGc,
  }),
);
agent.destroy();
