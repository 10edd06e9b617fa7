// Debian's Chromium driven by playwright-core, as every browser test and driver launches it.
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium'; // apt package `chromium` (scripts/install-test-deps.sh)

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'];

/** Launches Chromium headless with the flags this machine needs, plus `extraArgs`. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...extraArgs] });
}

/** A page on the server's own origin with the hls.js copy the watch page serves (window.Hls). */
export async function hlsPage(browser, server) {
  const page = await browser.newPage();
  await page.goto(`${server}/health`); // an origin of the server's own, so the player script loads from it
  await page.addScriptTag({ url: `${server}/watch/assets/hls.min.js` });
  return page;
}

/** A driver's input: one JSON document on stdin. */
export async function readJsonInput() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
