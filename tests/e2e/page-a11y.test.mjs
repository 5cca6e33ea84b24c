// Accessibility: axe-core scans the page and the tutorial as a reader finds them (a scenario
// playing, manual delivery's list open, the tutorial at a paused moment) at desktop and phone
// sizes: no serious or critical violations. A negative control proves the scan can fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { open, openTutorial, pageFixture } from "./helpers.mjs";

const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** The impacts this scan refuses. */
const REFUSED = ["serious", "critical"];
const PHONE = { width: 390, height: 844 };
const { server, browser } = pageFixture();

/** Runs axe-core in `page`; the serious and critical violations, one line each with where. */
async function scan(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => REFUSED.includes(v.impact))
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

test("the axe scan catches a serious violation (negative control)", async () => {
  const { page } = await open(browser.context, `${server.url}?scenario=none`);
  await page.evaluate(() => {
    const b = document.createElement("button"); // a button with no name
    b.id = "nameless";
    document.body.append(b);
  });
  const found = await scan(page);
  assert.ok(found.some((v) => v.startsWith("critical button-name") && v.includes("#nameless")), found.join("\n"));
  await page.close();
});

for (const [name, viewport] of [["1280x800", { width: 1280, height: 800 }], ["390x844", PHONE]]) {
  test(`index.html has no serious or critical axe violations (${name}: a scenario, manual delivery, a violation shown)`, async () => {
    const { page, errors } = await open(browser.context, `${server.url}?scenario=by-hand`, { viewport });
    await page.evaluate(() => window.playground.setSpeed(100));
    await page.waitForFunction(() => document.getElementById("claims").dataset.checked, null, { timeout: 20000 });
    assert.deepEqual(await scan(page), [], "a scenario with its claims ticked");
    await page.check("#manual");
    await page.click("#increment");
    await page.waitForSelector("#held button");
    assert.deepEqual(await scan(page), [], "manual delivery with messages waiting");
    await page.evaluate(() => { window.playground.loadScenario("durability"); window.playground.setSpeed(100); });
    await page.waitForFunction(() => !document.getElementById("violation").hidden, null, { timeout: 20000 });
    assert.deepEqual(await scan(page), [], "a violation shown");
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test("tutorial.html has no serious or critical axe violations (at a moment, and on a phone)", async () => {
  const { page, errors } = await openTutorial(browser.context, server.url);
  await page.waitForFunction(() => window.tutorial.pace.moment >= 0, null, { timeout: 20000 });
  assert.deepEqual(await scan(page), [], "step 1 at its first moment");
  await page.setViewportSize(PHONE);
  await page.click("#next");
  assert.deepEqual(await scan(page), [], "step 2 on a phone");
  assert.deepEqual(errors, []);
  await page.close();
});

/** Every visible button (and button-like label), text field, menu and disclosure smaller than
 * 24 px (WCAG 2.5.8; a field only by its height, its width being the text's), and every checkbox
 * or radio whose label (its real target) is, as "selector-ish w×h" lines; inside shadow roots too. */
const smallTargets = (page) => page.evaluate(() => {
  const all = [];
  const walk = (root) => root.querySelectorAll("*").forEach((el) => {
    if (el.matches("button, .file-button, [role=button], summary, select")) all.push(el);
    else if (el.matches("input[type=checkbox], input[type=radio]")) all.push(el.closest("label") ?? el);
    else if (el.matches("input:not([type=range], [type=file], [type=hidden])")) all.push(Object.assign(el, { fieldOnly: true }));
    if (el.shadowRoot) walk(el.shadowRoot);
  });
  walk(document);
  return all.map((el) => ({ el, r: el.getBoundingClientRect() }))
    .filter(({ el, r }) => r.width > 0 && r.height > 0 && ((!el.fieldOnly && r.width < 24) || r.height < 24))
    .map(({ el, r }) => `${el.id ? `#${el.id}` : el.className || el.tagName} "${el.textContent.trim().slice(0, 20)}" ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
});

test("every button, field and labelled checkbox is at least 24 px (WCAG 2.5.8): the page at desktop and phone sizes, the tutorial", async () => {
  const { page, errors } = await open(browser.context, `${server.url}?scenario=by-hand`);
  const buttons = await page.evaluate(() => document.querySelectorAll("button").length);
  assert.ok(buttons > 30, `the page has its buttons (${buttons})`);
  await page.check("#manual"); // the waiting messages' buttons show too
  assert.deepEqual(await smallTargets(page), [], "desktop");
  await page.setViewportSize(PHONE);
  assert.deepEqual(await smallTargets(page), [], "phone");
  // Negative control: a 20 px button is caught.
  await page.evaluate(() => document.body.append(Object.assign(document.createElement("button"), { id: "tiny", textContent: "x", style: "min-height:0;min-width:0;height:20px;width:20px;padding:0" })));
  assert.deepEqual(await smallTargets(page), ['#tiny "x" 20.0×20.0']);
  const tutorial = await openTutorial(browser.context, server.url);
  assert.deepEqual(await smallTargets(tutorial.page), [], "tutorial");
  assert.deepEqual([...errors, ...tutorial.errors], []);
  await tutorial.page.close();
  await page.close();
});
