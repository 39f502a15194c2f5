/** The activation e-mail (DESIGN.md): subject `WhatsApp Inbox Activation`, text and HTML, one link. */
import { createTransport, Transporter } from 'nodemailer';
import { escapeHtml } from '@app/common/html/escape-html';

export const ACTIVATION_SUBJECT = 'WhatsApp Inbox Activation';
export const ACTIVATION_SENTENCE = 'Click here to activate your inbox and set your password:';

export interface ActivationMail {
  instanceId: string;
  to: string;
  from: string;
  activationUrl: string;
  inboxUrl: string;
}

export function composeActivationMail(mail: ActivationMail) {
  const domain = new URL(mail.inboxUrl).hostname;
  return {
    from: mail.from,
    to: mail.to,
    subject: ACTIVATION_SUBJECT,
    // The same Message-ID on every attempt: a retried send is recognisable as the same e-mail.
    messageId: `<activation-${mail.instanceId}@${domain}>`,
    // Seed 001's sentence, word for word: "Click here to activate your inbox and set your password: Activate".
    text: [
      'Hello,',
      '',
      `Your WhatsApp team inbox at ${mail.inboxUrl} is ready.`,
      '',
      `${ACTIVATION_SENTENCE} Activate (${mail.activationUrl})`,
      '',
      'The link works once and expires after 7 days.',
    ].join('\n'),
    html: `<!doctype html><html><body style="font-family:sans-serif">
<p>Hello,</p>
<p>Your WhatsApp team inbox at <a href="${escapeHtml(mail.inboxUrl)}">${escapeHtml(mail.inboxUrl)}</a> is ready.</p>
<p>${ACTIVATION_SENTENCE} <a id="activate" href="${escapeHtml(mail.activationUrl)}" style="display:inline-block;padding:10px 16px;background:#128c7e;color:#fff;text-decoration:none;border-radius:4px">Activate</a></p>
<p>Or copy this link into your browser:<br><code>${escapeHtml(mail.activationUrl)}</code></p>
<p>The link works once and expires after 7 days.</p>
</body></html>`,
  };
}

/** One pooled SMTP transport per worker, from SMTP_URL (smtp:// or smtps://, credentials in the URL). */
export function createMailTransport(smtpUrl: string): Transporter {
  return createTransport(smtpUrl, {}).setMaxListeners(0);
}
