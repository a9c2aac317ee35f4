// A real moto_server (the Python AWS mock) on a port of 127.0.0.1 the OS chooses (port 0:
// no free-port check that another test file could race), for tests that need IAM as well as STS.

import { spawn } from 'node:child_process';

/** A running moto_server. */
export interface Moto {
  /** http://127.0.0.1:<port> — use as AWS_ENDPOINT_URL */
  url: string;
  port: number;
  /** stops the server and waits for it to exit */
  close(): Promise<void>;
}

/** Start moto_server and wait (at most 60 s: python starts slowly on a loaded machine) until `GET /moto-api/` answers on the port it reports. */
export async function startMoto(): Promise<Moto> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let port = 0;
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
    port ||= Number(/Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1] ?? 0);
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    const failure = await Promise.race([
      spawnError,
      exited.then(() => new Error('moto_server exited')),
      sleep(200).then(() => undefined),
    ]);
    if (failure) {
      await close();
      const why =
        'code' in failure && failure.code === 'ENOENT'
          ? 'moto_server not found (pip install "moto[server]")'
          : failure.message;
      throw new Error(`${why}: ${stderr.trim()}`);
    }
    const url = `http://127.0.0.1:${port}`;
    try {
      if (port && (await fetch(`${url}/moto-api/`)).ok) return { url, port, close };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`moto_server did not answer on its port within 60 s: ${stderr.trim()}`);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
