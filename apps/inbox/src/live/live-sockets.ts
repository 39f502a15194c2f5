/**
 * Seed 002's websocket (`wss://websockets-{subdomain}.{BASE_DOMAIN}/`, served at `/` of the
 * instance; the gateway and the Ingress route that host here). The first client frame is
 * `{"token": "..."}`, answered `{"type": "token", "status": "success" | "failed", ...}`; a
 * malformed frame gets `{"type": "response", "status": "bad_request", ...}`. Then every provider
 * webhook arrives as a `waba_webhook` frame and every message the inbox sends as a
 * `getchat_webhook` frame. Frames mark nothing received (seed 002). Sockets by @fastify/websocket.
 */
import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import type { RawData, WebSocket } from 'ws';
import { IdentityService } from '../identity/identity.service';
import { WebFiles } from '../web/web-files';
import { LiveEvents, LiveFrame } from './live-events';
import { InboxUser } from '../persistence/entities';
import { InboxDb } from '../persistence/inbox-db';
import { ChatAssignee, ChatScope, PermissionsService } from '../permissions/permissions';

/** A client that has not authenticated by then is closed. */
export const AUTH_DEADLINE_MS = 30_000;
/**
 * How stale a socket's reading reach may be: its token, its user's role and permissions are read
 * again before a frame once this much time has passed (an admin's change, a revoked token or a
 * deleted user reach open sockets within it, on every replica, with no change event to miss).
 */
export const ACCESS_RECHECK_MS = 2_000;

/** An authenticated socket's reach, as last checked. */
interface SocketAccess {
  token: string;
  scope: ChatScope;
  checkedAt: number;
}
const MAX_FRAME_BYTES = 64 * 1024;

const response = (message: string) => JSON.stringify({ type: 'response', status: 'bad_request', message });
const tokenResult = (status: 'success' | 'failed', message: string) =>
  JSON.stringify({ type: 'token', status, message });

@Injectable()
export class LiveSockets {
  constructor(
    private readonly identity: IdentityService,
    private readonly events: LiveEvents,
    private readonly web: WebFiles,
    private readonly permissions: PermissionsService,
    private readonly db: InboxDb,
  ) {}

  private readonly assigneesOf = new WeakMap<LiveFrame, Promise<ChatAssignee[]>>();

  /** Registers the plugin and the route; called while the application is prepared. */
  async register(fastify: FastifyInstance): Promise<void> {
    await fastify.register(fastifyWebsocket, { options: { maxPayload: MAX_FRAME_BYTES } });
    this.web.register(fastify);
    fastify.route({
      method: 'GET',
      url: '/',
      // Without an upgrade, `/` is the web inbox's page.
      handler: (request, reply) => this.web.sendPage(request, reply),
      wsHandler: (socket) => this.serve(socket),
    });
  }

  private serve(socket: WebSocket): void {
    const client: { unsubscribe?: () => void } = {};
    const deadline = setTimeout(() => {
      if (!client.unsubscribe) socket.close(4401, 'no token authentication in time');
    }, AUTH_DEADLINE_MS);
    deadline.unref();
    socket.on('close', () => {
      clearTimeout(deadline);
      client.unsubscribe?.();
    });
    // Frames are answered one at a time, in the order they came.
    let answered = Promise.resolve();
    socket.on('message', (data, isBinary) => {
      answered = answered.then(() => this.answer(socket, client, isBinary ? undefined : frameText(data)));
    });
  }

  private async answer(socket: WebSocket, client: { unsubscribe?: () => void }, text: string | undefined) {
    if (client.unsubscribe)
      return socket.send(response('Only the token authentication message is expected.'));
    const token = readToken(text);
    if (typeof token !== 'string')
      return socket.send(response('Send {"token": "<your token>"} as JSON first.'));
    let user: InboxUser | string;
    let scope: ChatScope;
    try {
      user = await this.authenticate(token);
      if (typeof user === 'string') return socket.send(tokenResult('failed', user));
      scope = await this.permissions.readScope(user);
    } catch {
      return socket.send(tokenResult('failed', 'Could not check the token now; try again.'));
    }
    if (socket.readyState !== socket.OPEN) return;
    // Seed 002's can_read_chats: a user sees only the chats they may read (checked again every
    // ACCESS_RECHECK_MS). Frames stay in order for a socket whose checks read the database.
    const access: SocketAccess = { token, scope, checkedAt: Date.now() };
    let sent = Promise.resolve();
    client.unsubscribe = this.events.onFrame((frame) => {
      sent = sent.then(() => this.sendIfReadable(socket, access, frame));
    });
    socket.send(tokenResult('success', 'Authenticated: events will follow.'));
  }

  /** The user when the token may receive events, else why not. */
  private async authenticate(token: string): Promise<InboxUser | string> {
    const user = await this.identity.userForToken(token);
    if (!user) return 'Invalid token.';
    if (user.isConfigurator) return 'The configurator user cannot use messaging endpoints.';
    return user;
  }

  /** The socket's reach now: read again when stale; a token no longer valid closes the socket. */
  private async currentScope(socket: WebSocket, access: SocketAccess): Promise<ChatScope | undefined> {
    if (Date.now() - access.checkedAt < ACCESS_RECHECK_MS) return access.scope;
    access.checkedAt = Date.now();
    try {
      const user = await this.authenticate(access.token);
      if (typeof user === 'string') {
        if (socket.readyState === socket.OPEN) socket.send(tokenResult('failed', user));
        socket.close(4401, 'the token is no longer valid');
        return undefined;
      }
      access.scope = await this.permissions.readScope(user);
    } catch {
      // The database did not answer: the reach checked ACCESS_RECHECK_MS ago stands until it does.
    }
    return access.scope;
  }

  private async sendIfReadable(socket: WebSocket, access: SocketAccess, frame: LiveFrame): Promise<void> {
    const scope = await this.currentScope(socket, access);
    if (!scope || scope.kind === 'none') return;
    if (scope.kind !== 'all') {
      const chats = await this.assignees(frame);
      if (!chats.some((chat) => PermissionsService.reaches(scope, chat))) return;
    }
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  }

  /** The assignees of a frame's chats, read once per frame however many sockets ask. */
  private assignees(frame: LiveFrame): Promise<ChatAssignee[]> {
    let found = this.assigneesOf.get(frame);
    if (!found) {
      found = this.db
        .query<ChatAssignee>(
          `SELECT assigned_user_id, assigned_group_id FROM contacts WHERE wa_id = ANY($1::text[])`,
          [LiveEvents.chatsOf(frame)],
        )
        .catch(() => []);
      this.assigneesOf.set(frame, found);
    }
    return found;
  }
}

/** A text frame's content (ws hands over a Buffer, an ArrayBuffer or fragments). */
export function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function readToken(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as { token?: unknown }).token : undefined;
  } catch {
    return undefined;
  }
}
