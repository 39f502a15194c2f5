/**
 * The sandbox's state: channels (one per API key), what their customers sent, what the instance
 * sent them with its status, and media. Kept in one JSON file written atomically after each change,
 * so a restarted sandbox still knows every instance's webhook.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type DeliveryStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

export interface Inbound {
  id: string;
  from: string;
  name: string;
  type: 'text' | 'image';
  text?: string;
  mediaId?: string;
  timestamp: number;
}

export interface Outbound {
  id: string;
  to: string;
  type: string;
  payload: Record<string, unknown>;
  status: DeliveryStatus;
  timestamp: number;
}

/** A media file's description; its bytes live beside the state file (or in memory). */
export interface Media {
  id: string;
  channel: string;
  mimeType: string;
  sha256: string;
  size: number;
  filename?: string;
}

export interface Channel {
  id: string;
  webhookUrl?: string;
  inbound: Inbound[];
  outbound: Outbound[];
}

/** A message template as WhatsApp describes it (360dialog's `waba_templates` items). */
export interface Template {
  name: string;
  language: string;
  category: string;
  status: 'approved' | 'rejected' | 'submitted';
  components: Record<string, unknown>[];
  namespace: string;
  rejected_reason: string;
}

interface State {
  channels: Record<string, Channel>;
  media: Record<string, Media>;
  /** Templates created through the API, per channel (the defaults are not stored). */
  templates?: Record<string, Template[]>;
}

/**
 * The channel an API key belongs to. The control plane's sandbox credentials step issues
 * `sandbox_<channel_id>_<random>` (channel ids are alphanumeric); any other key, e.g. a
 * `d360_api_key` given at creation, is a channel of its own (DESIGN.md).
 */
export function channelOfKey(apiKey: string): string {
  const issued = /^sandbox_([A-Za-z0-9]+)_[A-Za-z0-9]+$/.exec(apiKey);
  return issued ? issued[1] : apiKey;
}

export const newMessageId = (): string => `wamid.${randomBytes(24).toString('base64url')}`;

export class Channels {
  private state: State = { channels: {}, media: {} };
  /** Media bytes when there is no state file (tests). */
  private readonly mediaInMemory = new Map<string, Buffer>();

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) this.state = JSON.parse(readFileSync(file, 'utf8')) as State;
  }

  get(id: string): Channel {
    this.state.channels[id] ??= { id, inbound: [], outbound: [] };
    return this.state.channels[id];
  }

  list(): Channel[] {
    return Object.values(this.state.channels);
  }

  media(id: string): Media | undefined {
    return this.state.media[id];
  }

  mediaData(id: string): Buffer | undefined {
    if (!this.state.media[id]) return undefined;
    if (!this.file) return this.mediaInMemory.get(id);
    const path = this.mediaPath(id);
    return existsSync(path) ? readFileSync(path) : undefined;
  }

  /** Keeps the bytes in their own file (not in the state file, which is rewritten on every change). */
  addMedia(media: Media, data: Buffer): void {
    if (this.file) {
      mkdirSync(dirname(this.mediaPath(media.id)), { recursive: true });
      writeFileSync(this.mediaPath(media.id), data);
    } else {
      this.mediaInMemory.set(media.id, data);
    }
    this.state.media[media.id] = media;
    this.save();
  }

  templates(channel: string): Template[] {
    return (this.state.templates ??= {})[channel] ?? [];
  }

  setTemplates(channel: string, templates: Template[]): void {
    (this.state.templates ??= {})[channel] = templates;
    this.save();
  }

  private mediaPath(id: string): string {
    return join(`${this.file}.media`, id.replace(/[^A-Za-z0-9-]/g, ''));
  }

  /** Applies a change and writes the state (temporary file + rename: never half a file). */
  change<T>(work: () => T): T {
    const result = work();
    this.save();
    return result;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.state));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
