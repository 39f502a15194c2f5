import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { MailCatcher } from './mail-catcher';

describe('MailCatcher', () => {
  it('shows a caught text part with its links clickable, without the punctuation around them, and escaped', async () => {
    const catcher = new MailCatcher(mkdtempSync(join(tmpdir(), 'mail-catcher-')));
    const { smtpPort, httpPort } = await catcher.listen(0, 0);
    try {
      await createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true }).sendMail({
        from: 'platform@example.com',
        to: 'owner@example.com',
        subject: 'WhatsApp Inbox Activation',
        text: 'Set your password: Activate (http://acme.localhost:8080/confirm_account?c=abc-123). <b>bold</b>',
      });
      const page = await (await fetch(`http://127.0.0.1:${httpPort}/messages/1`)).text();
      expect(page).toContain('href="http://acme.localhost:8080/confirm_account?c=abc-123"');
      expect(page).not.toContain('c=abc-123)');
      expect(page).toContain('&lt;b&gt;bold&lt;/b&gt;');
    } finally {
      await catcher.close();
    }
  });
});
