import { Webhook } from 'standardwebhooks';
import { signWebhook } from './webhook-signature';

describe('signWebhook', () => {
  const secret = `whsec_${Buffer.from('a key of thirty-two bytes, exact').toString('base64')}`;

  it('signs as the standardwebhooks package does, and its verifier accepts the signature', () => {
    const at = new Date('2026-12-01T10:00:00.999Z');
    for (const body of ['{}', '{"text":"Grüße, 🙂"}', JSON.stringify({ long: 'x'.repeat(70_000) })]) {
      const signature = signWebhook(secret, 'msg_1', at, body);
      expect(signature).toBe(new Webhook(secret).sign('msg_1', at, body));
      const headers = {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': signWebhook(secret, 'msg_1', new Date(), body),
      };
      expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    }
  });

  it('differs for another secret, id or body', () => {
    const at = new Date();
    const other = `whsec_${Buffer.from('another key of thirty-two bytes!').toString('base64')}`;
    const base = signWebhook(secret, 'msg_1', at, '{}');
    expect(signWebhook(other, 'msg_1', at, '{}')).not.toBe(base);
    expect(signWebhook(secret, 'msg_2', at, '{}')).not.toBe(base);
    expect(signWebhook(secret, 'msg_1', at, '{ }')).not.toBe(base);
  });
});
