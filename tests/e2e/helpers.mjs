// Shared by the page tests and the wasm benchmark: a static server for www/ on 127.0.0.1 and a
// headless Debian Chromium driven by playwright-core (never a downloaded browser).
import { createServer } from "node:http";
import { readFile, mkdir, mkdtemp, rm, cp } from "node:fs/promises";
import { execSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { before, after } from "node:test";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WWW = path.join(ROOT, "www");
const PAGES = path.join(ROOT, "tests/e2e/pages"); // test fixtures, served under /test-pages/
/** Where page tests put their screenshots (kept after the run, for a human to look at). */
export const SHOTS = path.join(ROOT, "target", "screenshots");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json", ".ts": "text/plain" };

/** A copy of www/ under target/tmp/www-`name` with the pkg/ of `folder` (a benchmark's "before"
 * side: another build's www/pkg copied aside). */
export async function wwwWithPkg(folder, name) {
  const copy = path.join(ROOT, "target", "tmp", `www-${name}`);
  await rm(copy, { recursive: true, force: true });
  await mkdir(copy, { recursive: true });
  await cp(WWW, copy, { recursive: true });
  await rm(path.join(copy, "pkg"), { recursive: true, force: true });
  await cp(path.join(folder, "pkg"), path.join(copy, "pkg"), { recursive: true });
  return copy;
}

/** Serves www/ (under `/sub/path/` too, to prove the page works from any sub-path); `www`: another
 * copy of it (a benchmark's "before"). */
export async function serve(www = WWW) {
  www = path.resolve(www); // a relative path (../x) would fail the check below for every file
  const server = createServer(async (req, res) => {
    try {
      let url = decodeURIComponent(new URL(req.url, "http://x").pathname);
      url = url.replace(/^\/sub\/path/, "");
      if (url.endsWith("/")) url += "index.html";
      const [base, rel] = url.startsWith("/test-pages/") ? [PAGES, url.slice("/test-pages".length)] : [www, url];
      const file = path.join(base, path.normalize(rel));
      if (!file.startsWith(base)) throw new Error("outside the served folders");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** One test file's server and browser: `start()` (default: {@link serve}, www/) and a fresh
 * headless Chromium, started before the file's tests and closed after them (node:test hooks),
 * with the screenshot folder made. Call it once at the top of a test file. The `server` and
 * `browser` it returns read through to the ones started, so tests write `server.url`,
 * `server.requests` and `browser.context`; reading them before the tests start throws. */
export function pageFixture({ start = serve } = {}) {
  let started = null;
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    started = { server: await start(), browser: await launch() };
  });
  after(async () => {
    await started?.browser.close();
    await started?.server.close();
  });
  const get = (what) => {
    if (!started) throw new Error(`pageFixture: the ${what} is read before the tests started`);
    return started[what];
  };
  return {
    server: { get url() { return get("server").url; }, get requests() { return get("server").requests; } },
    browser: { get context() { return get("browser").context; } },
  };
}

export function chromiumPath() {
  return process.env.CHROMIUM || execSync("command -v chromium || command -v chromium-browser", { shell: "/bin/sh" }).toString().trim();
}

/** A fresh headless browser profile; returns { context, close }. */
export async function launch() {
  const profile = await mkdtemp(path.join(process.env.TMPDIR || tmpdir(), "caspaxos-e2e-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1280, height: 720 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the page and collects console errors and page errors. `reducedMotion`: as a reader who
 * asked for reduced motion (prefers-reduced-motion: reduce). `viewport`: its size. */
export async function open(context, url, { reducedMotion = false, viewport = null } = {}) {
  const page = await context.newPage();
  if (reducedMotion) await page.emulateMedia({ reducedMotion: "reduce" });
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector("html[data-ready=true]", { timeout: 15000 });
  return { page, errors, loadMs: Date.now() - t0 };
}

/** Opens the tutorial at step 1 with its widget at speed 5; page errors are collected. */
export async function openTutorial(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}tutorial.html`);
  await page.waitForFunction(() => document.getElementById("step-title").textContent.startsWith("1."));
  await page.evaluate(() => { document.getElementById("widget").speed = 5; });
  return { page, errors };
}

/** Clicks Run to idle and waits until the run (a slice per frame) has ended. */
export async function runToIdle(page, { timeout = 60000 } = {}) {
  await page.click("#idle");
  await page.waitForSelector("#idle:not([data-running])", { timeout });
}
