import { describe, expect, it } from 'vitest';
import { inboundFrom } from '../src/live/live-merge';
import {
  placeholderCount,
  preview,
  templateBody,
  templateMessage,
} from '../src/conversation/template-message';

const template = {
  name: 'order_update',
  category: 'UTILITY',
  language: 'en',
  status: 'approved',
  components: [{ type: 'BODY', text: 'Your order {{1}} is now {{2}}.' }],
};

describe('templates', () => {
  it('counts the parameters a body asks for and previews them filled in', () => {
    const body = templateBody(template);
    expect(placeholderCount(body)).toBe(2);
    expect(placeholderCount('Welcome!')).toBe(0);
    expect(preview(body, ['#42'])).toBe('Your order #42 is now {{2}}.');
  });
  it('builds the WhatsApp template message, with components only when there are parameters', () => {
    expect(templateMessage(template, ['#42', 'shipped'])).toEqual({
      name: 'order_update',
      language: { code: 'en' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: '#42' },
            { type: 'text', text: 'shipped' },
          ],
        },
      ],
    });
    expect(templateMessage({ ...template, name: 'hello_world' }, [])).toEqual({
      name: 'hello_world',
      language: { code: 'en' },
    });
  });
});

describe('live frames', () => {
  it('finds who wrote in both webhook shapes, and nobody in a status update', () => {
    const message = { from: '4915100000001', id: 'w', type: 'text' };
    expect(inboundFrom({ entry: [{ changes: [{ value: { messages: [message] } }] }] })).toEqual([
      '4915100000001',
    ]);
    expect(inboundFrom({ messages: [message] })).toEqual(['4915100000001']);
    expect(
      inboundFrom({ entry: [{ changes: [{ value: { statuses: [{ id: 'w', status: 'read' }] } }] }] }),
    ).toEqual([]);
    expect(inboundFrom({ outgoing_messages: [{}] })).toEqual([]);
  });
});
