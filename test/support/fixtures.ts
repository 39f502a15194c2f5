/** A real 1×1 PNG (magic bytes included, so its type can be sniffed), for media tests. */
export const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** One customer's text message as a provider webhook in the Cloud API's shape (as 360dialog sends it). */
export function cloudTextWebhook(m: {
  from: string;
  id: string;
  text: string;
  name: string;
  timestamp?: number;
}) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'waba-test',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              contacts: [{ profile: { name: m.name }, wa_id: m.from }],
              messages: [
                {
                  from: m.from,
                  id: m.id,
                  timestamp: String(m.timestamp ?? Math.floor(Date.now() / 1000)),
                  type: 'text',
                  text: { body: m.text },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}
