// Browser test of the documentation routes (DESIGN §4), run by
// tests/e2e/test_contract_browser.sh against the real API: headless Debian
// Chromium, driven by playwright-core (tools/docs, never a downloaded
// browser), opens /api/docs, sees every operation of /api/openapi.json
// listed, expands the create operation and sends its example through "Try it
// out" (the API must answer 201), then opens /api/redoc and sees it render.
// Nothing may be fetched from anywhere but the API (no CDN).
//
// Environment: API (base URL), SOURCE_DIR, USER_DATA_DIR (fresh), TOKEN
// (bearer token, optional), CHROMIUM (default /usr/bin/chromium).
// Prints "ok - ..." / "not ok - ..." lines; exits 1 on any failure.
"use strict";

const path = require("path");
const { chromium } = require(path.join(process.env.SOURCE_DIR, "tools/docs/node_modules/playwright-core"));

const API = process.env.API;
const TIMEOUT = 60000;
let failed = 0;

function check(ok, what, detail) {
  console.log(`${ok ? "ok" : "not ok"} - ${what}`);
  if (!ok) {
    failed++;
    if (detail !== undefined) console.log(`#   ${String(detail).slice(0, 600)}`);
  }
}

function documentedOperations(doc) {
  const ops = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of ["get", "put", "post", "delete", "patch"]) {
      if (item[m]) ops.push(`${m.toUpperCase()} ${p}`);
    }
  }
  return ops.sort();
}

async function swagger(page, doc) {
  await page.goto(`${API}/api/docs`, { timeout: TIMEOUT });
  await page.waitForSelector(".opblock", { timeout: TIMEOUT });
  const listed = await page.$$eval(".opblock", (blocks) =>
    blocks.map((b) => {
      const m = b.querySelector(".opblock-summary-method");
      const p = b.querySelector(".opblock-summary-path");
      return `${m ? m.textContent.trim() : "?"} ${p ? (p.getAttribute("data-path") || p.textContent).replace(/\u200b/g, "").trim() : "?"}`;
    }));
  const want = documentedOperations(doc);
  const have = [...new Set(listed)].sort();
  const missing = want.filter((o) => !have.includes(o));
  check(missing.length === 0 && want.length > 0, `/api/docs lists every operation of the document (${want.length})`,
    `missing: ${missing.join(", ")}`);

  if (process.env.TOKEN) {
    await page.click(".auth-wrapper .authorize");
    await page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", process.env.TOKEN);
    await page.click(".modal-ux .auth-btn-wrapper .authorize");
    await page.click(".modal-ux .btn-done");
    check(true, "/api/docs: bearer token entered through Authorize");
  }

  const op = page.locator("#operations-orders-createOrder");
  await op.locator(".opblock-summary").first().click();
  await op.locator(".try-out__btn").click();
  const body = await op.locator("textarea.body-param__text").inputValue();
  check(/"idempotency_key"/.test(body), "create: Try it out is filled with the example", body);
  await op.locator("button.execute").click();
  const status = op.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor({ timeout: TIMEOUT });
  const code = (await status.textContent()).trim();
  const answer = await op.locator(".live-responses-table .response-col_description pre").first().textContent();
  check(code === "201", "create: the example sent from the page is answered 201", `${code} ${answer}`);
  let id = "";
  try { id = JSON.parse(answer).data.id; } catch (e) { /* reported below */ }
  check(/^[0-9a-f-]{36}$/.test(id), "create: the answer shown is the new order", answer);
  return id;
}

async function redoc(page, doc) {
  await page.goto(`${API}/api/redoc`, { timeout: TIMEOUT });
  await page.waitForSelector("h1", { timeout: TIMEOUT });
  const title = (await page.textContent("h1")).trim();
  check(title.startsWith(doc.info.title), "/api/redoc renders the document's title", title);
  const text = await page.textContent("body");
  const summaries = [];
  for (const item of Object.values(doc.paths)) {
    for (const m of ["get", "put", "post", "delete", "patch"]) {
      if (item[m] && item[m].summary) summaries.push(item[m].summary);
    }
  }
  const absent = summaries.filter((s) => !text.includes(s));
  check(absent.length === 0, `/api/redoc shows every operation (${summaries.length})`, absent.join(", "));
  check(!/Something went wrong/i.test(text), "/api/redoc shows no error");
}

async function main() {
  const context = await chromium.launchPersistentContext(process.env.USER_DATA_DIR, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const foreign = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(API) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const errors = [];
  const blocked = [];
  try {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/.test(m.text())) blocked.push(m.text());
    });
    const doc = await (await page.request.get(`${API}/api/openapi.json`)).json();
    const id = await swagger(page, doc);
    if (id) {
      const got = await page.request.get(`${API}/api/v1/orders/${id}`, {
        headers: process.env.TOKEN ? { Authorization: `Bearer ${process.env.TOKEN}` } : {},
      });
      check(got.status() === 200, "create: the order made from the page can be read back", got.status());
    }
    await redoc(page, doc);
  } catch (e) {
    check(false, "the browser session ran to the end", e.stack || e);
  } finally {
    await context.close();
  }
  check(foreign.length === 0, "nothing fetched from outside the API (no CDN)", foreign.join(" "));
  check(errors.length === 0, "no script error in the pages", errors.join(" | "));
  // What the pages' Content-Security-Policy refused: only ReDoc's footer logo.
  const unexpected = blocked.filter((t) => !/cdn\.redoc\.ly\/redoc\/logo-mini\.svg/.test(t));
  check(unexpected.length === 0, "the pages need nothing their Content-Security-Policy refuses", unexpected.join(" | "));
  process.exit(failed ? 1 : 0);
}

main();
