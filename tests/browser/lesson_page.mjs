// The exported lesson page in a real browser: Debian's Chromium, headless, driven by puppeteer-core
// (from the npm registry; it drives the installed browser and downloads none). It opens the page that
// `backlog export LESSON --format html` wrote, goes through it with the keys a student uses, answers one
// question wrongly and one rightly, checks the score and that it survives a reload, checks that the page
// asked the network for nothing, and compares a screenshot with a golden image (within a tolerance).
//
//   node lesson_page.mjs PAGE.html GOLDEN.png OUT_DIR [--update-golden]
//
// Exit status 0 when every check holds, 1 with the failed checks, 77 (CTest's skip) when the browser or
// puppeteer-core is missing. The times it measures (first frame, export) are printed, never checked.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [pagePath, goldenPath, outDir] = process.argv.slice(2);
const updateGolden = process.argv.includes("--update-golden");
if (!pagePath || !goldenPath || !outDir) {
  console.error("usage: node lesson_page.mjs PAGE.html GOLDEN.png OUT_DIR [--update-golden]");
  process.exit(2);
}
// BROWSER=firefox drives Debian's firefox-esr instead (WebDriver BiDi); the golden image is Chromium's.
const firefox = process.env.BROWSER === "firefox";
const executable = firefox ? (process.env.FIREFOX || "/usr/bin/firefox-esr") : (process.env.CHROMIUM || "/usr/bin/chromium");
if (!existsSync(executable)) {
  console.log(`SKIP: no browser at ${executable} (Debian package ${firefox ? "firefox-esr" : "chromium"})`);
  process.exit(77);
}
let puppeteer;
try {
  puppeteer = (await import("puppeteer-core")).default;
} catch {
  console.log(`SKIP: puppeteer-core is not installed; run: npm ci --prefix ${here}`);
  process.exit(77);
}

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

mkdirSync(outDir, { recursive: true });
const browser = await puppeteer.launch(firefox ? {
  browser: "firefox",
  executablePath: executable,
  headless: true,
  userDataDir: join(resolve(outDir), "profile-firefox"),
  defaultViewport: { width: 1280, height: 800, deviceScaleFactor: 1 },
} : {
  executablePath: executable,
  headless: true,
  // Root in CI needs --no-sandbox; the others keep Chromium from calling home on a closed network.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
         "--hide-scrollbars", "--font-render-hinting=none"],
  userDataDir: join(resolve(outDir), "profile"),
  defaultViewport: { width: 1280, height: 800, deviceScaleFactor: 1 },
});
const timer = setTimeout(() => { console.error("FAIL the browser test took more than 120 s"); process.exit(1); }, 120000);
try {
  const page = await browser.newPage();
  const pageUrl = pathToFileURL(resolve(pagePath)).href;
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  // ---- Opening: the first frame, and how long it took.
  const opened = Date.now();
  await page.goto(pageUrl, { waitUntil: "load" });
  await page.waitForSelector("html[data-ready=true]", { timeout: 10000 });
  await page.waitForFunction(() => document.getElementById("film").readyState >= 2, { timeout: 10000 });
  const firstFrameMs = Date.now() - opened;
  console.log(`measured: first frame shown ${firstFrameMs} ms after the page was asked for`);
  const text = (sel) => page.$eval(sel, (e) => e.textContent.trim());
  const frame = () => page.$eval("#seek", (e) => Number(e.value));
  const step = async () => (await text("#step-number")).replace(/ of .*/, "");
  check(await step() === "Step 1", "the page opens on step 1");
  check((await text("#score")).startsWith("Score: 0 of 3 right"), "three questions, none answered");

  // ---- Right and Left move one frame; Space plays until the next step stops the film.
  await page.keyboard.press("ArrowRight");
  check(await frame() === 1, "Right shows the next frame");
  await page.keyboard.press("ArrowLeft");
  check(await frame() === 0, "Left shows the frame before");

  // ---- Page Down: on to step 2, which asks a question and holds the film until it is answered.
  await page.keyboard.press("PageDown");
  await page.waitForFunction(() => !document.getElementById("question").hidden, { timeout: 5000 });
  check(await step() === "Step 2", "Page Down goes to step 2, whose question shows");
  const heldAt = await frame();
  // The question has the focus (its first choice): Space there picks the choice, as in any form. Off
  // the form, Space and the Play button are held by the question, with a word saying why.
  await page.keyboard.press(" ");
  await page.$eval("#btn-play", (b) => b.blur());
  await page.focus("#narration");
  await page.keyboard.press(" ");
  await page.click("#btn-play");
  await new Promise((r) => setTimeout(r, 300));
  check(await frame() === heldAt && (await text("#hint")).includes("Answer the question"),
        "neither Space nor Play gets past an open question");
  // A wrong answer: a choice other than the right one (the page knows which: lesson data).
  const right2 = await page.evaluate(() => JSON.parse(document.getElementById("lesson-data").textContent)
    .chapters.find((c) => c.step === 1).question.answer);
  await page.click(`input[name=choice][value="${right2 === 0 ? 1 : 0}"]`);
  await page.click("#btn-answer");
  check((await text("#question-result")).startsWith("✗"), "a wrong answer is said to be wrong");
  check(!(await page.$eval("#question-explain", (e) => e.hidden)), "the explanation shows once answered");
  check((await text("#score")).startsWith("Score: 0 of 3 right (2 not answered yet)"), "the score counts the wrong answer");

  // ---- Continue: the film plays to step 3 by itself, which asks for a number.
  await page.click("#btn-continue");
  await page.waitForFunction(() => document.getElementById("step-number").textContent.startsWith("Step 3"),
                             { timeout: 20000 });
  check(await frame() > heldAt, "the film played on from step 2 to step 3");
  const q3 = await page.evaluate(() => JSON.parse(document.getElementById("lesson-data").textContent)
    .chapters.find((c) => c.step === 2).question);
  check(q3 && q3.kind === "number", "step 3 asks for a number");
  // Its question says `reveal: after-answer`: until it is answered the film gives way to the step's
  // picture without the numbers, even a frame further on.
  const screen = () => page.evaluate(() => ({
    concealed: document.getElementById("screen").dataset.concealed,
    film: !document.getElementById("film").hidden,
    still: !document.getElementById("still").hidden,
    src: document.getElementById("still").getAttribute("src"),
  }));
  const concealedSrc = await page.evaluate(() => JSON.parse(document.getElementById("lesson-data").textContent)
    .chapters.find((c) => c.step === 2).concealed);
  let shown = await screen();
  check(q3.reveal === "after-answer" && shown.concealed === "true" && !shown.film && shown.still &&
        shown.src === concealedSrc, "an open reveal-after-answer question shows the step without its numbers");
  await page.focus("#narration");
  await page.keyboard.press("ArrowRight");
  shown = await screen();
  check(shown.concealed === "true" && !shown.film && shown.src === concealedSrc,
        "a frame further on is still concealed while the question is open");
  await page.keyboard.press("ArrowLeft");
  // Page Down on an open question asks first, and skips only when pressed again.
  await page.keyboard.press("PageDown");
  check(await step() === "Step 3" && (await text("#hint")).startsWith("Skip this question?"),
        "Page Down on an open question asks before skipping it");
  await page.type("#number-answer", String(q3.number));
  await page.keyboard.press("Enter");
  check((await text("#question-result")).startsWith("✓"), "the right number is said to be right");
  shown = await screen();
  check(shown.concealed === "false" && shown.film && !shown.still, "once answered, the film is back");
  check((await text("#score")).startsWith("Score: 1 of 3 right (1 not answered yet)"), "the score counts the right answer");

  // ---- The chapter list and Home/End.
  await page.keyboard.press("End");
  const frames = await page.$eval("#seek", (e) => Number(e.max));
  check(await frame() === frames, "End goes to the last frame");
  check(await step() === "Step 9", "the last frame is the last step");
  await page.keyboard.press("Home");
  check(await frame() === 0 && await step() === "Step 1", "Home goes back to step 1");

  // ---- The answers are kept in the browser: a reload shows the same score.
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector("html[data-ready=true]");
  check((await text("#score")).startsWith("Score: 1 of 3 right"), "the score survives a reload");

  // ---- Nothing was asked of the network: only the page itself, and what it made (blob:, data:).
  const outside = requests.filter((u) => u !== pageUrl && !u.startsWith("data:") && !u.startsWith("blob:"));
  check(outside.length === 0, `no request beyond the page (${outside.length ? outside.join(", ") : "none"})`);
  check(errors.length === 0, `no script error (${errors.join("; ") || "none"})`);

  // ---- The picture: step 1, paused on its first frame, against the golden image.
  await page.keyboard.press("Home");
  await page.waitForFunction(() => { const v = document.getElementById("film"); return v.readyState >= 2 && !v.seeking; });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const shot = join(outDir, "lesson-page.png");
  await page.screenshot({ path: shot });
  if (updateGolden || !existsSync(goldenPath)) {
    writeFileSync(goldenPath, readFileSync(shot));
    console.log(`wrote the golden image ${goldenPath}`);
  }
  const diff = await compareImages(page, readFileSync(shot), readFileSync(goldenPath));
  console.log(`measured: ${diff.differing} of ${diff.total} pixels differ from the golden image by more than 32 levels`);
  check(diff.sameSize && diff.differing <= diff.total * 0.01,
        "the screenshot matches the golden image (at most 1% of pixels differ by more than 32 levels)");
} finally {
  clearTimeout(timer);
  await browser.close();
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("all checks hold");

// Both PNGs decoded and compared by the browser itself (a canvas), so nothing else needs installing.
async function compareImages(page, a, b) {
  const blank = await page.browser().newPage();
  try {
    return await blank.evaluate(async (a64, b64) => {
      const load = (s) => new Promise((ok, no) => { const i = new Image(); i.onload = () => ok(i); i.onerror = no; i.src = "data:image/png;base64," + s; });
      const [x, y] = await Promise.all([load(a64), load(b64)]);
      if (x.width !== y.width || x.height !== y.height) return { sameSize: false, differing: 0, total: 0 };
      const pixels = (img) => { const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
        const g = c.getContext("2d"); g.drawImage(img, 0, 0); return g.getImageData(0, 0, img.width, img.height).data; };
      const p = pixels(x), q = pixels(y);
      let differing = 0;
      for (let i = 0; i < p.length; i += 4)
        if (Math.max(Math.abs(p[i] - q[i]), Math.abs(p[i + 1] - q[i + 1]), Math.abs(p[i + 2] - q[i + 2])) > 32) differing++;
      return { sameSize: true, differing, total: p.length / 4 };
    }, a.toString("base64"), b.toString("base64"));
  } finally {
    await blank.close();
  }
}
