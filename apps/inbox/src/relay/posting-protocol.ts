/**
 * What the relay's main thread and its posting thread say to each other (relay-poster.ts,
 * posting-thread.ts): a batch of one webhook's lanes to post, and what became of each delivery.
 */

export const POSTING_THREAD_ROLE = 'relay-posting';

export interface PostingThreadSettings {
  role: typeof POSTING_THREAD_ROLE;
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  /** Lanes (chats) posted side by side; each lane's deliveries go one after another. */
  lanesAtOnce: number;
}

export interface PostingReceiver {
  url: string;
  /** `whsec_...` */
  secret: string;
  headers: Record<string, string>;
}

export interface LanePost {
  deliveryId: string;
  /** `webhook-id`: stable across retries. */
  messageId: string;
  body: string;
}

export interface PostLanesRequest {
  batch: number;
  receiver: PostingReceiver;
  lanes: LanePost[][];
}

/** A lane stops at its first failure that may pass (its later deliveries are not tried, so not listed). */
export type DeliveryOutcome =
  { deliveryId: string; ok: true } | { deliveryId: string; ok: false; error: string; permanent: boolean };

export interface PostLanesAnswer {
  batch: number;
  outcomes: DeliveryOutcome[];
}
