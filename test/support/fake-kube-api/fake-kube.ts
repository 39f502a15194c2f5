import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface FakeKube {
  url: string;
  kubeConfig: KubeConfig;
  control: <T = unknown>(path: string, body?: unknown) => Promise<T>;
  state: () => Promise<{ requests: number; applies: number; violations: unknown[]; objects: FakeObject[] }>;
  stop: () => Promise<void>;
  process: ChildProcess;
}

export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; generation?: number };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A KubeConfig pointing at a server, as a kubeconfig file would. */
export function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'platform', token: 'fake-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'platform' }],
    currentContext: 'fake',
  });
  return kc;
}

/** Starts the fake API server (test/support/fake-kube-api/server.mjs) as a process of its own. */
export async function startFakeKube(env: Record<string, string> = {}): Promise<FakeKube> {
  const child = spawn(process.execPath, [resolve(__dirname, 'server.mjs')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`fake API server exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /listening (\S+)/.exec(chunk.toString());
      if (match) done(match[1]);
    });
  });
  const control = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/_fake/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as T;
  };
  return {
    url,
    kubeConfig: kubeConfigFor(url),
    control,
    state: () => control('state'),
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
