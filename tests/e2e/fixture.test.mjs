// pageFixture() (helpers.mjs): one test file's server and browser, started by its hooks; what it
// returns reads through to them, and refuses to be read before they started.
import { test } from "node:test";
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { pageFixture, SHOTS } from "./helpers.mjs";

const { server, browser } = pageFixture();

// Read at module load, before the hooks ran: a clear error, not an undefined URL.
const early = (() => {
  try {
    return `read ${server.url}`;
  } catch (e) {
    return e.message;
  }
})();

test("before the tests start the fixture refuses to be read; in a test it serves the page to the browser and the screenshot folder exists", async () => {
  assert.equal(early, "pageFixture: the server is read before the tests started");
  assert.ok((await stat(SHOTS)).isDirectory());
  const page = await browser.context.newPage();
  const response = await page.goto(server.url);
  assert.equal(response.status(), 200);
  assert.match(await page.title(), /CASPaxos/);
  await page.close();
});
