/**
 * Local-mode mail catcher: accepts every message over SMTP (no auth, no relay) and shows them on
 * a web page, so the activation e-mail can be opened and clicked on this machine. Messages are
 * also written to <dir>/<n>.eml, so they survive a restart.
 */
import { createServer, Server } from 'node:http';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { ParsedMail, parseMail } from './mime';
import { escapeHtml } from '@app/common/html/escape-html';

export interface CaughtMail extends ParsedMail {
  id: number;
  receivedAt: string;
  envelopeTo: string[];
  raw: string;
}

export class MailCatcher {
  readonly messages: CaughtMail[] = [];
  private smtp?: SMTPServer;
  private http?: Server;
  private lastId = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Messages kept from earlier runs (<dir>/<n>.eml), in order. */
  private async load(): Promise<void> {
    for (const file of readdirSync(this.dir)
      .filter((f) => f.endsWith('.eml'))
      .sort((a, b) => parseInt(a) - parseInt(b))) {
      const raw = readFileSync(join(this.dir, file), 'utf8');
      const id = parseInt(file);
      this.messages.push({ ...(await parseMail(raw)), id, receivedAt: '', envelopeTo: [], raw });
      this.lastId = Math.max(this.lastId, id);
    }
  }

  async listen(
    smtpPort: number,
    httpPort: number,
    host = '127.0.0.1',
  ): Promise<{ smtpPort: number; httpPort: number }> {
    await this.load();
    this.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const id = ++this.lastId;
          writeFileSync(join(this.dir, `${id}.eml`), raw); // kept before the OK: nothing accepted is lost
          const receivedAt = new Date().toISOString();
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
          parseMail(raw).then(
            (parsed) => {
              this.messages.push({ ...parsed, id, raw, receivedAt, envelopeTo });
              this.messages.sort((a, b) => a.id - b.id);
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve) => this.smtp!.listen(smtpPort, host, resolve));
    this.http = createServer((req, res) => this.page(req.url ?? '/', res));
    await new Promise<void>((resolve) => this.http!.listen(httpPort, host, resolve));
    const port = (server: { address(): unknown }) => (server.address() as { port: number }).port;
    return { smtpPort: port(this.smtp.server), httpPort: port(this.http) };
  }

  async close(): Promise<void> {
    await new Promise((r) => this.smtp?.close(() => r(undefined)) ?? r(undefined));
    await new Promise((r) => (this.http ? this.http.close(r) : r(undefined)));
  }

  private page(url: string, res: import('node:http').ServerResponse): void {
    const html = (body: string): void =>
      void res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><meta charset="utf-8"><title>Mail catcher</title><body style="font-family:sans-serif;max-width:60em;margin:2em auto">${body}`,
        );
    if (url === '/api/messages') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.messages.map(({ raw: _raw, ...m }) => m)));
      return;
    }
    const match = /^\/messages\/(\d+)$/.exec(url);
    if (match) {
      const mail = this.messages.find((m) => m.id === Number(match[1]));
      if (!mail) return void res.writeHead(404).end('no such message');
      // Links found by linkify-it (through mailparser): "Activate (http://…)" must not take the ")".
      const linked = mail.textAsHtml ?? escapeHtml(mail.text ?? '');
      return html(
        `<p><a href="/">← all messages</a></p><h2>${escapeHtml(mail.subject)}</h2>` +
          `<p>From: ${escapeHtml(mail.from)}<br>To: ${escapeHtml(mail.to)}</p>` +
          (mail.html
            ? `<h3>HTML part</h3><iframe sandbox="allow-popups allow-popups-to-escape-sandbox" style="width:100%;height:22em;border:1px solid #ccc" srcdoc="${escapeHtml(`<base target="_blank">${mail.html}`)}"></iframe>`
            : '') +
          `<h3>Text part</h3><div class="text-part">${linked}</div>`,
      );
    }
    const rows = [...this.messages]
      .reverse()
      .map(
        (m) =>
          `<tr><td>${m.id}</td><td>${escapeHtml(m.to)}</td><td><a href="/messages/${m.id}">${escapeHtml(m.subject || '(no subject)')}</a></td><td>${m.receivedAt}</td></tr>`,
      )
      .join('');
    html(
      `<h1>Mail catcher</h1><p>${this.messages.length} message(s). Nothing here leaves this machine.</p><table cellpadding="6"><tr><th>#</th><th>To</th><th>Subject</th><th>Received</th></tr>${rows}</table>`,
    );
  }
}
