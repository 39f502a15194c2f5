import { execFileSync } from 'node:child_process';
import { Browser, chromium } from 'playwright-core';

/** Debian's Chromium (scripts/browser.sh installs it), headless, with this machine's closed-network flags. */
export async function launchChromium(): Promise<Browser> {
  const executablePath =
    process.env.CHROMIUM_PATH ?? execFileSync('bash', ['scripts/browser.sh'], { encoding: 'utf8' }).trim();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
