/**
 * Stands in for the kubelet of scripts/k8s-local.sh's cluster in the one way a test needs: an
 * instance answering. kwok marks pods Ready without running them, so the worker's health check
 * (K8S_HEALTH_URL = `{url}/{namespace}`) comes here: the first request for a namespace starts the
 * built inbox on this machine with that namespace's bootstrap Secret as its environment (what the
 * pod would get), and every request under `/{namespace}/` is passed to it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { IncomingMessage, ServerResponse, createServer, request } from 'node:http';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { INBOX_NODE_OPTIONS } from '@app/bootstrap';
import { freePort } from '@app/runtime';

const INBOX = resolve(__dirname, '../../dist/apps/inbox/main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface HostPods {
  /** The worker's K8S_HEALTH_URL base: `${url}/{namespace}`. */
  url: string;
  /** Namespaces whose inbox runs here. */
  started: () => string[];
  stop: () => Promise<void>;
}

export async function startHostPods(kubeConfig: KubeConfig): Promise<HostPods> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const pods = new Map<string, Promise<{ port: number; child: ChildProcess }>>();

  const start = async (namespace: string) => {
    const secret = await core.readNamespacedSecret({ name: 'inbox-bootstrap', namespace });
    const env = Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
    const port = await freePort();
    const child = spawn(process.execPath, [INBOX], {
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        LISTEN_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_OPTIONS: INBOX_NODE_OPTIONS,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; i < 200; i++) {
      const up = await new Promise<boolean>((done) => {
        const probe = request({ host: '127.0.0.1', port, path: '/api/v1/status/health' }, (answer) => {
          answer.resume();
          done(answer.statusCode === 200);
        });
        probe.on('error', () => done(false));
        probe.end();
      });
      if (up) break;
      await sleep(100);
    }
    return { port, child };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const [, namespace, ...rest] = (req.url ?? '/').split('/');
    if (!namespace) return void res.writeHead(404).end();
    if (!pods.has(namespace)) pods.set(namespace, start(namespace));
    pods
      .get(namespace)!
      .then(({ port }) => {
        const upstream = request(
          { host: '127.0.0.1', port, method: req.method, path: `/${rest.join('/')}`, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.writeHead(502).end());
        req.pipe(upstream);
      })
      .catch((error: Error) => {
        pods.delete(namespace); // e.g. the Secret is not there yet: the next health check retries
        res.writeHead(503).end(error.message);
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    started: () => [...pods.keys()],
    stop: async () => {
      for (const pod of pods.values()) {
        const { child } = await pod.catch(() => ({ child: undefined }));
        if (child && child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
      }
      await new Promise((r) => server.close(r));
    },
  };
}
