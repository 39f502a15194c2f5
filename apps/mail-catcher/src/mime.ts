/**
 * A caught message, read by mailparser (nodemailer's own MIME parser): headers, RFC 2047 words,
 * multipart bodies and transfer encodings. Replaces a hand-written splitter on boundaries.
 */
import { AddressObject, simpleParser } from 'mailparser';

export interface ParsedMail {
  /** Lower-case header names; structured ones (addresses, content types) as their text. */
  headers: Record<string, string>;
  subject: string;
  from: string;
  to: string;
  text?: string;
  /** The text part as HTML with its links made clickable (mailparser's linkify-it). */
  textAsHtml?: string;
  html?: string;
}

const addresses = (value: AddressObject | AddressObject[] | undefined): string =>
  ([] as AddressObject[])
    .concat(value ?? [])
    .map((a) => a.text)
    .join(', ');

export async function parseMail(raw: string): Promise<ParsedMail> {
  const mail = await simpleParser(raw, { skipImageLinks: true });
  const headers: Record<string, string> = {};
  for (const { key, line } of mail.headerLines) {
    headers[key] ??= line.slice(line.indexOf(':') + 1).trim();
  }
  return {
    headers,
    subject: mail.subject ?? '',
    from: addresses(mail.from),
    to: addresses(mail.to),
    text: mail.text,
    textAsHtml: mail.textAsHtml || undefined,
    html: mail.html || undefined,
  };
}
