// Opening a long shared run in the page: `node bench-open.mjs [actions] [rounds] [paced]` (after
// `./build.sh build`). A run of `actions` increments (default 100,000) is made through the JS API
// — all at 0 ms (a script's loop), or with `paced` 10 every 10 ms — and shared as the page
// shares it (compressed); then the page opens `#session=<link>` `rounds`
// times (default 5), alternating with a copy of www/ whose `configOf` reads `c.session().start`
// (the page before `sessionStart`: it wrote the whole document to read its start). Each open is
// a fresh page: the time from navigation to the "Opened a shared run" note, and the wasm memory
// after it (wasm memory never shrinks: what opening grew it to).
import { cp, readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { ROOT, serve, launch } from "./helpers.mjs";
import { buildRun } from "./bench-seek.mjs";

/** In the page: `actions` increments at 0 ms (10 keys, 3 proposers), then run until idle. */
async function buildRunAtOnce(actions) {
  const c = window.playground.cluster;
  for (let i = 0; i < actions; i++) c.increment(`k${i % 10}`, { proposer: `p${1 + ((i % 10) % 3)}` });
  while (c.pending > 0) c.runUntilIdle();
}

const BEFORE = "  const start = c.session().start;";
const AFTER = "  const start = c.sessionStart;";

/** A copy of www/ whose page opens sessions as it did before `sessionStart`. */
async function wwwBefore() {
  const dir = path.join(ROOT, "target", "tmp", "www-open-before");
  await mkdir(dir, { recursive: true });
  await cp(path.join(ROOT, "www"), dir, { recursive: true });
  const file = path.join(dir, "panels", "sessions.js");
  const text = await readFile(file, "utf8");
  if (!text.includes(AFTER)) throw new Error("sessions.js no longer reads c.sessionStart: update bench-open.mjs");
  await writeFile(file, text.replace(AFTER, BEFORE));
  return dir;
}

/** Opens `url` in a fresh page; the ms until the opened run's note, and the wasm memory in MB. */
async function timeOpen(context, url) {
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => /Opened a shared run/.test(document.getElementById("session-out")?.textContent ?? ""), null, { timeout: 300_000 });
  const ms = Date.now() - t0;
  const memoryMB = await page.evaluate(async () => (await (await import("./pkg/caspaxos_playground.js")).default()).memory.buffer.byteLength / 2 ** 20);
  await page.close();
  return { ms, memoryMB };
}

const stats = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return `${v[0].toFixed(0)} / ${v[v.length >> 1].toFixed(0)} / ${v.at(-1).toFixed(0)}`;
};

async function main() {
  const actions = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 5);
  const paced = process.argv[4] === "paced";
  const [now, before] = [await serve(), await serve(await wwwBefore())];
  const browser = await launch();
  try {
    const maker = await browser.context.newPage();
    await maker.goto(`${now.url}?scenario=none`);
    await maker.waitForSelector("html[data-ready=true]");
    await maker.evaluate(paced ? buildRun : buildRunAtOnce, actions);
    const link = await maker.evaluate(async () => (await import("./link.js")).packLink(window.playground.cluster.sessionLink()));
    await maker.close();
    const rows = { before: [], now: [] };
    for (let i = 0; i < rounds; i++) {
      rows.before.push(await timeOpen(browser.context, `${before.url}#session=${link}`));
      rows.now.push(await timeOpen(browser.context, `${now.url}#session=${link}`));
    }
    console.log(`opening a shared run of ${actions} actions ${paced ? "10 every 10 ms" : "all at 0 ms"} (link ${link.length} characters), ${rounds} rounds alternating, min / median / max:`);
    for (const [name, r] of Object.entries(rows)) {
      console.log(`  ${name.padEnd(6)} ${stats(r.map((x) => x.ms))} ms; wasm memory after ${stats(r.map((x) => x.memoryMB))} MB`);
    }
  } finally {
    await browser.close();
    await now.close();
    await before.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
