import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { INBOX_NODE_OPTIONS } from './node-options';

describe('the inbox Node options', () => {
  it('are the ones the inbox image sets (a Dockerfile cannot import them)', () => {
    const dockerfile = readFileSync(resolve(__dirname, '../../../deploy/inbox.Dockerfile'), 'utf8');
    expect(/NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1]).toBe(INBOX_NODE_OPTIONS);
  });
});
