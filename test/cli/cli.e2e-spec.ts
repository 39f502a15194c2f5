import { runTs } from '../support/processes';
import { unique } from '../support/api-harness';

const cli = (...args: string[]) => runTs('apps/cli/src/main.ts', args);

describe('npm run cli (partner and key administration)', () => {
  const partnerId = unique('cli');

  it('partner:create prints one JSON object with partner_id, api_key and a whsec_ signing secret', async () => {
    const { code, stdout } = await cli(
      'partner:create',
      partnerId,
      '--instance-quota',
      '7',
      '--max-seats',
      '9',
    );
    expect(code).toBe(0);
    const created = JSON.parse(stdout);
    expect(created.partner_id).toBe(partnerId);
    expect(created.api_key).toMatch(/^pp_[A-Za-z0-9_-]{43}$/);
    expect(created.signing_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.signing_secret.slice(6), 'base64')).toHaveLength(32);
  });

  it('refuses a second partner with the same id, and a malformed id, with exit code 1', async () => {
    const again = await cli('partner:create', partnerId);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    const bad = await cli('partner:create', 'bad id!');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('partner id must match');
  });

  it('issues and revokes keys, and lists partners with limits and key prefixes only', async () => {
    const issued = JSON.parse((await cli('key:issue', partnerId)).stdout);
    expect(issued.api_key).toMatch(/^pp_/);
    const revoked = await cli('key:revoke', issued.prefix);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ key_id: issued.key_id, partner_id: partnerId });
    const updated = JSON.parse(
      (
        await cli(
          'partner:update',
          partnerId,
          '--instance-quota',
          '3',
          '--event-url',
          'https://example.com/events',
        )
      ).stdout,
    );
    expect(updated).toEqual({
      partner_id: partnerId,
      instance_quota: 3,
      max_seats: 9,
      event_url: 'https://example.com/events',
    });
    const listed = await cli('partner:list');
    const mine = JSON.parse(listed.stdout).find((p: { partner_id: string }) => p.partner_id === partnerId);
    expect(mine).toMatchObject({ instance_quota: 3, max_seats: 9, live_instances: 0 });
    expect(mine.api_keys).toHaveLength(2);
    expect(
      mine.api_keys.find((k: { key_id: string }) => k.key_id === issued.key_id).revoked_at,
    ).not.toBeNull();
    expect(listed.stdout).not.toContain(issued.api_key);
  });

  it('explains usage with exit code 2 for an unknown command or a bad option', async () => {
    const unknown = await cli('nonsense');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "nonsense"');
    expect(unknown.stderr).toContain('usage: npm run cli');
    const badOption = await cli('partner:update', partnerId, '--max-seats', 'many');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--max-seats takes a whole number');
  });

  it('stops with a message naming each bad configuration variable', async () => {
    const { code, stderr } = await runTs('apps/cli/src/main.ts', ['partner:list'], {
      DB_POOL_SIZE: 'lots',
      RUNTIME_DRIVER: 'swarm',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('DB_POOL_SIZE must be an integer (got "lots")');
    expect(stderr).toContain('RUNTIME_DRIVER must be one of the following values: local, kubernetes');
  });
});
