// The lesson page's player: the window's LessonPlayer in a browser (views/document/LessonPlayer.h).
// The film is one video whose frame k shows the moment times[k]; each step is a chapter of frames. It
// stops where the window stops: at a step that pauses, and at a question until it is answered or
// skipped. The keys are the window's. Answers are kept in localStorage under the lesson's key.
(function () {
  "use strict";
  const lesson = JSON.parse(document.getElementById("lesson-data").textContent);
  const chapters = lesson.chapters;
  const frames = lesson.times.length;
  const fps = lesson.fps;
  const $ = (id) => document.getElementById(id);
  const film = $("film"), still = $("still"), seek = $("seek"), clock = $("clock");
  const storeKey = "backlog-lesson-page:" + lesson.key;

  const state = {
    chapter: 0,
    frame: 0,
    playing: false,
    filmWorks: true,
    answers: {},      // step → {result: "right"|"wrong"|"skipped", given}
    skipAsked: false, // PageDown on an open question asks once before it skips
  };

  // ---- Kept in the browser: the answers and where the student was. Storage may be refused (a private
  // window, a file:// page in some browsers): the lesson then works without it.
  function load() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(storeKey) || "null");
      if (saved && saved.v === 1) return saved;
    } catch (e) { /* no storage: start afresh */ }
    return null;
  }
  function save() {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify({ v: 1, chapter: state.chapter, answers: state.answers }));
    } catch (e) { /* no storage */ }
  }

  // ---- Time as a person reads it.
  function duration(us) {
    if (us === 0) return "0 s";
    if (us >= 1e6) return trim((us / 1e6).toFixed(3)) + " s";
    if (us >= 1e3) return trim((us / 1e3).toFixed(3)) + " ms";
    return trim(us.toFixed(3)) + " µs";
  }
  function trim(s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); }

  // ---- The film: a blob made from the embedded bytes (seekable in every browser, unlike some data: URLs).
  function startFilm() {
    const text = document.getElementById("film-data").textContent.trim();
    if (!text) return filmFails("This page has no film.");
    let bytes;
    try {
      const binary = atob(text);
      bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    } catch (e) {
      return filmFails("The film in this page is damaged.");
    }
    if (!film.canPlayType('video/mp4; codecs="avc1.640028"') && !film.canPlayType("video/mp4"))
      return filmFails("This browser cannot play H.264 films.");
    film.addEventListener("error", () => filmFails("This browser could not play the film."));
    film.addEventListener("ended", () => pause());
    film.src = URL.createObjectURL(new Blob([bytes], { type: "video/mp4" }));
  }
  function filmFails(why) {
    state.filmWorks = false;
    pause();
    film.hidden = true;
    still.hidden = false;
    const notice = $("film-notice");
    notice.hidden = false;
    notice.textContent = why + " Each step is shown as a picture instead.";
    render();
  }

  function chapterOf(frame) {
    let c = 0;
    for (let i = 0; i < chapters.length; i++) if (chapters[i].first <= frame) c = i;
    return c;
  }
  function question(c) { return chapters[c] && chapters[c].question; }
  function waiting(c) { return !!question(c) && !state.answers[chapters[c].step]; }
  // A question with `reveal: after-answer` is open: its step's numbers stay hidden.
  function concealing(c) { return waiting(c) && !!chapters[c].concealed; }

  function showFrame(frame) {
    state.frame = Math.max(0, Math.min(frames - 1, frame));
    if (state.filmWorks) {
      // The middle of the frame's display time: never the edge between two frames.
      const t = (state.frame + 0.5) / fps;
      if (Math.abs(film.currentTime - t) > 0.25 / fps) film.currentTime = t;
    }
    renderClock();
  }

  // ---- Playback.
  function play() {
    if (!state.filmWorks) return;
    if (waiting(state.chapter)) {
      hint("Answer the question, or skip it, to go on.");
      focusQuestion();
      return;
    }
    if (state.frame >= frames - 1) return;
    state.playing = true;
    const started = film.play();
    if (started && started.catch) started.catch(() => { state.playing = false; renderButtons(); });
    renderButtons();
    follow();
  }
  function pause() {
    state.playing = false;
    if (!film.paused) film.pause();
    renderButtons();
  }
  function toggle() { state.playing ? pause() : play(); }

  // While playing: find the frame shown, and enter each step as the film reaches it.
  function follow() {
    if (!state.playing) return;
    const frame = Math.min(frames - 1, Math.floor(film.currentTime * fps + 1e-6));
    const next = state.chapter + 1;
    if (next < chapters.length && frame >= chapters[next].first) {
      enter(next, true);
    } else {
      state.frame = frame;
      renderClock();
      if (film.ended || frame >= frames - 1) {
        pause();
        render();
      }
    }
    if (!state.playing) return;
    if (film.requestVideoFrameCallback) film.requestVideoFrameCallback(follow);
    else window.requestAnimationFrame(follow);
  }

  // Enters chapter c at its first frame: plays on unless the step pauses or asks a question (or `play`
  // is false: a step chosen by hand is shown paused, as the window's goToStep does).
  function enter(c, playOn) {
    state.chapter = c;
    state.skipAsked = false;
    const ch = chapters[c];
    const stop = !playOn || ch.pause || waiting(c);
    if (stop) {
      pause();
      showFrame(ch.first);
    } else {
      state.frame = ch.first;
    }
    save();
    render();
    if (waiting(c) && playOn) focusQuestion();
  }

  function nextStep() {
    if (waiting(state.chapter)) {
      if (!state.skipAsked) {
        state.skipAsked = true;
        hint("Skip this question? Press Page Down again to skip it, or answer it.");
        return;
      }
      answer("skipped");
    }
    if (state.chapter + 1 < chapters.length) enter(state.chapter + 1, true);
    else hint("This is the last step.");
  }
  function previousStep() {
    // Back to this step's beginning first, as a slide deck does, then to the one before.
    const ch = chapters[state.chapter];
    if (state.frame > ch.first && !state.playing) enter(state.chapter, false);
    else enter(Math.max(0, state.chapter - 1), false);
  }
  function stepFrame(by) {
    pause();
    showFrame(state.frame + by);
    const c = chapterOf(state.frame);
    if (c !== state.chapter) enter(c, false);
    else render();
  }
  function seekTo(frame) {
    pause();
    showFrame(frame);
    state.chapter = chapterOf(state.frame);
    state.skipAsked = false;
    save();
    render();
  }

  // ---- Questions.
  function answer(result, given) {
    const step = chapters[state.chapter].step;
    state.answers[step] = { result: result, given: given === undefined ? null : given };
    state.skipAsked = false;
    save();
    render();
    if (result !== "skipped") $("question-result").focus();
  }
  function check(event) {
    event.preventDefault();
    const q = question(state.chapter);
    if (!q || !waiting(state.chapter)) return;
    if (q.kind === "choice") {
      const picked = document.querySelector('input[name="choice"]:checked');
      if (!picked) return hint("Choose one of the answers first.");
      const k = Number(picked.value);
      answer(k === q.answer ? "right" : "wrong", k);
    } else {
      const box = $("number-answer");
      const value = Number(String(box.value).replace(",", "."));
      if (box.value.trim() === "" || !Number.isFinite(value)) return hint("Type a number first.");
      answer(Math.abs(value - q.number) <= q.tolerance ? "right" : "wrong", value);
    }
  }
  function focusQuestion() {
    const first = document.querySelector("#question-input input");
    if (first) first.focus();
  }

  // ---- What is shown.
  function hint(text) { $("hint").textContent = text || ""; }

  function renderClock() {
    seek.value = String(state.frame);
    const t = lesson.times[state.frame] || 0;
    clock.textContent = "t = " + duration(t);
    seek.setAttribute("aria-valuetext", "t = " + duration(t) + ", step " + (chapters[state.chapter].step + 1));
  }
  function renderButtons() {
    const play = $("btn-play");
    play.classList.toggle("playing", state.playing);
    play.setAttribute("aria-label", state.playing ? "Pause (Space)" : "Play (Space)");
    play.disabled = !state.filmWorks;
    $("btn-back").disabled = !state.filmWorks;
    $("btn-forward").disabled = !state.filmWorks;
    seek.disabled = !state.filmWorks;
  }
  function renderScore() {
    let asked = 0, right = 0, answered = 0;
    for (const ch of chapters) {
      if (!ch.question) continue;
      asked++;
      const a = state.answers[ch.step];
      if (a && a.result !== "skipped") answered++;
      if (a && a.result === "right") right++;
    }
    $("score").textContent = asked ? "Score: " + right + " of " + asked + " right" +
      (answered < asked ? " (" + (asked - answered) + " not answered yet)" : "") : "";
    $("score").dataset.right = String(right);
    $("score").dataset.asked = String(asked);
  }
  function renderChapters() {
    const list = $("chapters");
    list.querySelectorAll("button").forEach((b, i) => {
      const ch = chapters[i];
      const a = ch.question ? state.answers[ch.step] : null;
      if (i === state.chapter) b.setAttribute("aria-current", "step");
      else b.removeAttribute("aria-current");
      b.parentElement.className = a ? a.result : "";
      const mark = b.querySelector(".mark");
      mark.textContent = !ch.question ? "" : !a ? "?" : a.result === "right" ? "✓" : a.result === "wrong" ? "✗" : "–";
      b.setAttribute("aria-label", "Step " + (ch.step + 1) + ": " + ch.title +
        (!ch.question ? "" : !a ? " (a question)" : " (question " + (a.result === "skipped" ? "skipped" : "answered, " + a.result) + ")"));
    });
  }
  function renderQuestion(ch) {
    const box = $("question"), q = ch.question;
    box.hidden = !q;
    if (!q) return;
    const a = state.answers[ch.step];
    if (box.dataset.step !== String(ch.step)) {
      box.dataset.step = String(ch.step);
      $("question-ask").innerHTML = q.ask;
      const input = $("question-input");
      input.innerHTML = "";
      if (q.kind === "choice") {
        const group = document.createElement("div");
        group.setAttribute("role", "radiogroup");
        group.setAttribute("aria-labelledby", "question-heading");
        q.choices.forEach((html, k) => {
          const label = document.createElement("label");
          const radio = document.createElement("input");
          radio.type = "radio";
          radio.name = "choice";
          radio.value = String(k);
          const text = document.createElement("span");
          text.innerHTML = html;
          label.append(radio, text);
          group.append(label);
        });
        input.append(group);
      } else {
        const label = document.createElement("label");
        const number = document.createElement("input");
        number.type = "text";
        number.inputMode = "decimal";
        number.id = "number-answer";
        number.setAttribute("aria-label", "Your answer" + (q.unit ? " in " + q.unit : ""));
        const unit = document.createElement("span");
        unit.textContent = q.unit || "";
        label.append(number, unit);
        input.append(label);
      }
      $("question-explain").innerHTML = q.explain;
    }
    const open = !a;
    $("question-form").querySelectorAll("input, button").forEach((e) => { e.disabled = !open; });
    if (a && q.kind === "choice" && a.given !== null) {
      const r = document.querySelector('input[name="choice"][value="' + a.given + '"]');
      if (r) r.checked = true;
    }
    if (a && q.kind === "number" && a.given !== null) $("number-answer").value = String(a.given);
    const result = $("question-result");
    result.tabIndex = -1;
    if (!a) {
      result.textContent = "";
      result.className = "";
    } else if (a.result === "right") {
      result.textContent = "✓ Right.";
      result.className = "result-right";
    } else if (a.result === "wrong") {
      result.textContent = "✗ Not quite." + (q.kind === "choice"
        ? " The answer is " + String.fromCharCode(97 + q.answer) + "."
        : " The answer is " + q.number + (q.unit ? " " + q.unit : "") + ".");
      result.className = "result-wrong";
    } else {
      result.textContent = "Skipped.";
      result.className = "";
    }
    $("question-explain").hidden = !a || !q.explain;
    $("btn-continue").hidden = !a || state.chapter + 1 >= chapters.length;
  }
  // The film, or a picture in its place: the step's picture where the browser cannot play the film, and
  // — while a question with `reveal: after-answer` is open — the step's picture without the numbers that
  // would answer it (as the window hides them on its stage), whatever frame of the step is asked for.
  // Answered or skipped, the film is back.
  function renderScreen(ch) {
    const hide = concealing(state.chapter);
    const picture = hide || !state.filmWorks;
    const src = hide ? ch.concealed : ch.still;
    if (picture && src && still.getAttribute("src") !== src) still.src = src;
    film.hidden = picture;
    still.hidden = !picture;
    still.alt = hide ? "The stage at this step, its numbers hidden until the question is answered." : "";
    $("screen").dataset.concealed = hide ? "true" : "false";
  }
  function render() {
    const ch = chapters[state.chapter];
    $("step-number").textContent = "Step " + (ch.step + 1) + " of " + lesson.steps;
    $("step-title").textContent = ch.title;
    $("step-say").innerHTML = ch.say;
    renderScreen(ch);
    renderQuestion(ch);
    renderChapters();
    renderScore();
    renderButtons();
    renderClock();
    if (!state.skipAsked) hint(state.frame >= frames - 1 && state.chapter === chapters.length - 1 ? "The end of the lesson." : "");
  }

  function build() {
    const meta = [];
    if (lesson.level) meta.push(lesson.level);
    if (lesson.minutes) meta.push("about " + lesson.minutes + " minutes");
    meta.push(lesson.steps + " steps");
    $("lesson-meta").textContent = meta.join(" · ");
    const list = $("chapters");
    chapters.forEach((ch, i) => {
      const item = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = String(ch.step + 1);
      b.title = ch.title;
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.setAttribute("aria-hidden", "true");
      b.append(mark);
      b.addEventListener("click", () => enter(i, false));
      item.append(b);
      list.append(item);
    });
    seek.max = String(Math.max(0, frames - 1));
    if (chapters[0] && chapters[0].still) {
      film.poster = chapters[0].still;
      still.src = chapters[0].still;
    }
    $("btn-start").addEventListener("click", () => enter(0, false));
    $("btn-previous").addEventListener("click", previousStep);
    $("btn-back").addEventListener("click", () => stepFrame(-1));
    $("btn-play").addEventListener("click", toggle);
    $("btn-forward").addEventListener("click", () => stepFrame(1));
    $("btn-next").addEventListener("click", nextStep);
    $("btn-end").addEventListener("click", () => seekTo(frames - 1));
    $("btn-full").addEventListener("click", fullScreen);
    seek.addEventListener("input", () => seekTo(Number(seek.value)));
    $("question-form").addEventListener("submit", check);
    $("btn-skip").addEventListener("click", () => answer("skipped"));
    $("btn-continue").addEventListener("click", () => {
      if (state.chapter + 1 < chapters.length) enter(state.chapter + 1, true);
    });
    $("btn-restart").addEventListener("click", () => {
      state.answers = {};
      $("question").dataset.step = "";
      enter(0, false);
    });
    document.addEventListener("keydown", onKey);
  }

  // The film alone, as large as the screen (a phone turned sideways, a projector); Escape leaves it.
  function fullScreen() {
    const screen = $("screen");
    if (document.fullscreenElement) document.exitFullscreen();
    else if (screen.requestFullscreen) screen.requestFullscreen().catch(() => hint("This browser keeps the film in the page."));
  }

  // The window's keys. Typing in an answer keeps its own keys (arrows, Home, End, Space in text);
  // Page Up/Down still move between steps from there.
  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const target = e.target;
    const typing = target && (target.tagName === "INPUT" && target.type !== "radio" && target.type !== "range" || target.tagName === "TEXTAREA");
    const onControl = target && (target.tagName === "BUTTON" || target.tagName === "SUMMARY" || target.tagName === "A" || (target.tagName === "INPUT" && target.type !== "range"));
    const keys = {
      PageDown: nextStep,
      PageUp: previousStep,
      " ": typing || onControl ? null : toggle,
      ArrowRight: typing || (target && target.type === "radio") ? null : () => stepFrame(1),
      ArrowLeft: typing || (target && target.type === "radio") ? null : () => stepFrame(-1),
      Home: typing ? null : () => enter(0, false),
      End: typing ? null : () => seekTo(frames - 1),
      f: typing ? null : fullScreen,
      F: typing ? null : fullScreen,
    };
    const action = keys[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  }

  build();
  const saved = load();
  if (saved) {
    state.answers = saved.answers || {};
    const c = Math.max(0, Math.min(chapters.length - 1, saved.chapter | 0));
    state.chapter = c;
    state.frame = chapters.length ? chapters[c].first : 0;
  }
  if (chapters.length === 0) {
    $("step-title").textContent = "This lesson has no steps.";
    return;
  }
  startFilm();
  render();
  if (state.filmWorks) showFrame(state.frame);
  if (saved && state.chapter > 0) hint("Welcome back: you were at step " + (chapters[state.chapter].step + 1) + ".");
  document.documentElement.dataset.ready = "true";
})();
