import { describe, expect, it } from 'vitest';
import type { Message } from '../src/api/types';
import { deliveryState, messageText, senderName, windowOpen } from '../src/conversation/message-view';
import { instanceName } from '../src/ui/instance-name';

const message = (over: Partial<Message>): Message => ({
  id: 'wamid.1',
  waba_payload: { type: 'text', text: { body: 'hi' }, timestamp: '1700000000' },
  waba_statuses: {},
  from_us: true,
  received: false,
  sender: null,
  customer_wa_id: '4915100000000',
  contact: null,
  ...over,
});

describe('delivery ticks', () => {
  it('shows the furthest status reached, whatever order the statuses arrived in', () => {
    expect(deliveryState({})).toBe('pending');
    expect(deliveryState({ sent: 1 })).toBe('sent');
    expect(deliveryState({ read: 3, sent: 1 })).toBe('read');
    expect(deliveryState({ delivered: 2, sent: 1 })).toBe('delivered');
  });
  it('lets failed win: the customer never got it', () => {
    expect(deliveryState({ sent: 1, delivered: 2, failed: 3 })).toBe('failed');
  });
});

describe('the 24-hour window', () => {
  const now = 1_700_000_000;
  it('is open within 24 hours of the customer’s last message, closed after or without one', () => {
    expect(windowOpen(now - 60, now)).toBe(true);
    expect(windowOpen(now - 24 * 3600, now)).toBe(true);
    expect(windowOpen(now - 24 * 3600 - 1, now)).toBe(false);
    expect(windowOpen(null, now)).toBe(false);
    expect(windowOpen(undefined, now)).toBe(false);
  });
});

describe('message text and sender', () => {
  it('reads text, captions and templates, and names other types', () => {
    expect(messageText(message({}))).toBe('hi');
    expect(messageText(message({ waba_payload: { type: 'image', image: { caption: 'receipt' } } }))).toBe(
      'receipt',
    );
    expect(
      messageText(message({ waba_payload: { type: 'template', template: { name: 'follow_up' } } })),
    ).toBe('Template: follow_up');
    expect(messageText(message({ waba_payload: { type: 'location', location: {} } }))).toBe('[location]');
  });
  it('names the agent who wrote, or the customer', () => {
    expect(
      senderName(message({ sender: { id: 1, username: 'ana', first_name: 'Ana', last_name: 'Lee' } })),
    ).toBe('Ana Lee');
    expect(senderName(message({ sender: { id: 1, username: 'bot', first_name: '', last_name: '' } }))).toBe(
      'bot',
    );
    expect(
      senderName(
        message({
          from_us: false,
          contact: {
            wa_id: '1',
            waba_payload: { profile: { name: 'Kerry' }, wa_id: '1' },
            initials: 'K',
            last_message_timestamp: 1,
          },
        }),
      ),
    ).toBe('Kerry');
  });
});

describe("the instance's name", () => {
  it('is the subdomain, and nothing on a bare address', () => {
    expect(instanceName('acme.inbox.example.com')).toBe('acme');
    expect(instanceName('acme.localhost')).toBe('acme');
    expect(instanceName('127.0.0.1')).toBeUndefined();
    expect(instanceName('localhost')).toBeUndefined();
    expect(instanceName('[::1]')).toBeUndefined();
  });
});
