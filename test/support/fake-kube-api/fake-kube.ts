import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface FakeKube {
  url: string;
  kubeConfig: KubeConfig;
  /** The same cluster as a kubeconfig file, for processes (KUBECONFIG). */
  kubeconfigPath: string;
  control: <T = unknown>(path: string, body?: unknown) => Promise<T>;
  state: () => Promise<{
    requests: number;
    applies: number;
    violations: unknown[];
    verbs: string[];
    objects: FakeObject[];
  }>;
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

/** A kubeconfig file pointing at a server (plain HTTP, so TLS checks are off), as kubectl would read it. */
export function kubeconfigFile(server: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kube-')), 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'platform', user: { token: 'fake-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'platform' } }],
      'current-context': 'fake',
    }),
  );
  return file;
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
  const kubeconfigPath = kubeconfigFile(url);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return {
    url,
    kubeConfig,
    kubeconfigPath,
    control,
    state: () => control('state'),
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
