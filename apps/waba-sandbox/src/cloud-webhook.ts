/** Webhook bodies in the WhatsApp Cloud API shape, as 360dialog relays them today. */
import type { DeliveryStatus, Inbound, Media } from './channels';

const envelope = (channel: string, value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: `sandbox-waba-${channel}`,
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550000000', phone_number_id: `sandbox-${channel}` },
            ...value,
          },
        },
      ],
    },
  ],
});

export function inboundWebhook(channel: string, message: Inbound, media?: Media) {
  const content =
    message.type === 'text'
      ? { text: { body: message.text } }
      : { image: { id: media!.id, mime_type: media!.mimeType, sha256: media!.sha256 } };
  return envelope(channel, {
    contacts: [{ profile: { name: message.name }, wa_id: message.from }],
    messages: [
      {
        from: message.from,
        id: message.id,
        timestamp: String(message.timestamp),
        type: message.type,
        ...content,
      },
    ],
  });
}

export function statusWebhook(channel: string, id: string, recipient: string, status: DeliveryStatus) {
  return envelope(channel, {
    statuses: [{ id, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: recipient }],
  });
}
