import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { ACCEPTS_UPLOAD } from '../http/body-parsers';
import { DrfError } from '../http/drf-exception.filter';
import { ApiAuthGuard, CurrentUser, NoConfigurator } from '../identity/api-auth.guard';
import { InboxUser } from '../persistence/entities';
import { MediaStore } from './media-store';
import { MediaService } from './media.service';

/** Read from the database in pieces of this size: a download never holds a whole file in memory. */
const CHUNK_BYTES = 512 * 1024;
/** Shown by the browser itself; anything else downloads (an uploaded HTML or SVG never runs here). */
const INLINE_TYPES =
  /^(image\/(jpeg|png|gif|webp)|audio\/[\w.+-]+|video\/[\w.+-]+|application\/pdf|text\/plain)$/;

/** Seed 002's `media/`: upload (authenticated) and download (by the unguessable id: docs/inbox.md). */
@Controller('api/v1/media')
export class MediaController {
  constructor(
    private readonly media: MediaService,
    private readonly store: MediaStore,
  ) {}

  @Post()
  @HttpCode(201)
  @RouteConfig(ACCEPTS_UPLOAD)
  @UseGuards(ApiAuthGuard)
  @NoConfigurator()
  upload(@CurrentUser() user: InboxUser, @Body() body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new DrfError(400, { non_field_errors: ['Invalid data. Expected a dictionary.'] });
    return this.media.upload(user, body as Record<string, unknown>);
  }

  /**
   * The file, streamed, with one byte range when asked (players seek with Range). Loadable by
   * `<img src>` and `<a download>`, which send no Authorization header: the id is the credential.
   */
  @Get(':id')
  async download(
    @Param('id') id: string,
    @Headers('range') range: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = await this.media.open(id);
    // Loaded on the first download (the footprint of an idle instance counts: docs/inbox.md).
    const [{ default: parseRange }, { default: contentDisposition }] = await Promise.all([
      import('range-parser'),
      import('content-disposition'),
    ]);
    let start = 0;
    let end = file.size - 1;
    const ranges =
      range !== undefined && file.size > 0 ? parseRange(file.size, range, { combine: true }) : -2;
    if (ranges === -1) {
      void reply
        .status(416)
        .header('Content-Range', `bytes */${file.size}`)
        .send({ detail: 'Range not satisfiable.' });
      return;
    }
    const partial = ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1;
    if (partial) ({ start, end } = ranges[0]);
    const inline = INLINE_TYPES.test(file.mime_type);
    void reply
      .header('Content-Type', inline ? file.mime_type : 'application/octet-stream')
      .header(
        'Content-Disposition',
        contentDisposition(file.filename ?? `${file.id}`, { type: inline ? 'inline' : 'attachment' }),
      )
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .header('Cache-Control', 'private, max-age=31536000, immutable')
      .header('Accept-Ranges', 'bytes')
      .header('Cross-Origin-Resource-Policy', 'cross-origin');
    if (file.sha256) void reply.header('ETag', `"${file.sha256}"`);
    if (partial) void reply.status(206).header('Content-Range', `bytes ${start}-${end}/${file.size}`);
    void reply.header('Content-Length', String(end - start + 1));
    void reply.send(Readable.from(this.chunks(file.id, start, end)));
  }

  private async *chunks(id: string, start: number, end: number): AsyncGenerator<Buffer> {
    for (let offset = start; offset <= end; offset += CHUNK_BYTES) {
      yield await this.store.chunk(id, offset, Math.min(CHUNK_BYTES, end - offset + 1));
    }
  }
}
