/**
 * The relay's posting thread: signs and posts batches of lanes (relay-poster.ts sends them) on an
 * event loop and a heap of its own, so that thousands of webhook calls a second neither delay the
 * main thread's ingest nor grow its young generation (the instance runs with a 1 MB semi-space for
 * its idle footprint; this thread gets a larger one). Loads no application code.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { parentPort, workerData } from 'node:worker_threads';
import { AddressGuard } from '@app/delivery/address-guard';
import { failureOf, postSigned } from '@app/delivery/signed-post';
import type {
  LanePost,
  PostLanesAnswer,
  PostLanesRequest,
  DeliveryOutcome,
  PostingReceiver,
  PostingThreadSettings,
} from './posting-protocol';

export function runPostingThread(): void {
  const settings = workerData as PostingThreadSettings;
  const guard = new AddressGuard(settings.allowPrivateNetworks);
  // Per receiver origin, as many connections as lanes go at once (a fixed 16 held a receiver that
  // answers in 200 ms to 80 deliveries/s whatever RELAY_CONCURRENCY said).
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: settings.lanesAtOnce }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: settings.lanesAtOnce }),
  };

  async function postOne(receiver: PostingReceiver, post: LanePost): Promise<DeliveryOutcome> {
    const outcome = await postSigned(
      {
        url: receiver.url,
        messageId: post.messageId,
        body: post.body,
        signingSecret: receiver.secret,
        headers: receiver.headers,
        timeoutMs: settings.timeoutMs,
        agents,
      },
      guard,
    );
    const failure = failureOf(outcome);
    return failure
      ? { deliveryId: post.deliveryId, ok: false, ...failure }
      : { deliveryId: post.deliveryId, ok: true };
  }

  async function postLanes({ batch, receiver, lanes }: PostLanesRequest): Promise<PostLanesAnswer> {
    const outcomes: DeliveryOutcome[] = [];
    const queue = [...lanes];
    const runLanes = async () => {
      for (let lane = queue.shift(); lane; lane = queue.shift())
        for (const post of lane) {
          const outcome = await postOne(receiver, post);
          outcomes.push(outcome);
          if (!outcome.ok && !outcome.permanent) break;
        }
    };
    await Promise.all(Array.from({ length: Math.min(settings.lanesAtOnce, queue.length) }, runLanes));
    return { batch, outcomes };
  }

  parentPort!.on('message', (request: PostLanesRequest) => {
    void postLanes(request).then((answer) => parentPort!.postMessage(answer));
  });
}
