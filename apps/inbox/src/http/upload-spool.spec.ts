import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleSpools } from './upload-spool';

describe('spools left by a killed process', () => {
  it('removes those older than an hour, keeps young ones and other files', () => {
    const old = join(tmpdir(), 'inbox-upload-test-old');
    const young = join(tmpdir(), 'inbox-upload-test-young');
    const other = join(tmpdir(), 'not-an-upload-test');
    for (const path of [old, young, other]) writeFileSync(path, 'x');
    const twoHoursAgo = (Date.now() - 2 * 3_600_000) / 1000;
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    utimesSync(other, twoHoursAgo, twoHoursAgo);
    expect(removeStaleSpools()).toBeGreaterThanOrEqual(1);
    expect([existsSync(old), existsSync(young), existsSync(other)]).toEqual([false, true, true]);
    removeStaleSpools(Date.now() + 2 * 3_600_000);
    expect(existsSync(young)).toBe(false);
  });
});
