/**
 * Headless Chromium from the system (Debian's `chromium` package), driven by playwright-core: no browser
 * download. `CHROMIUM_PATH` overrides where it is.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium with a fresh profile. Throws with the fix when the browser is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(EXECUTABLE)) {
    throw new Error(`No Chromium at ${EXECUTABLE}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    // Quiet, offline-friendly flags: nothing phones home, and the sandbox needs privileges a CI container lacks.
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
