// Player page: start at #t= or ?t=, follow the spoken passage and word, seek on click, switch
// between the official text and the machine transcript, copy a citation.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) return;
  var slice = function (nodes) { return Array.prototype.slice.call(nodes); };
  var reading = document.getElementById("segments");
  var machine = document.getElementById("segments-asr");  // only with an official text
  var list = reading, segments = [], words = [], starts = [], ends = [];
  var current = null, currentWord = null, frame = 0;

  // The shown list's passages and timed words, the words sorted by start for the search.
  function readList() {
    segments = slice(list.querySelectorAll(".segment"));
    var timed = slice(list.querySelectorAll(".w[data-start]")).map(function (w) {
      return { w: w, start: parseFloat(w.dataset.start), end: parseFloat(w.dataset.end) };
    }).sort(function (a, b) { return a.start - b.start; });
    words = timed.map(function (t) { return t.w; });
    starts = timed.map(function (t) { return t.start; });
    ends = timed.map(function (t) { return t.end; });
  }

  function fragmentStart() {
    var match = /(?:^#|&)t=([0-9.]+)(?:,([0-9.]+))?/.exec(window.location.hash);
    if (match) return parseFloat(match[1]);
    var fromServer = player.getAttribute("data-start");
    return fromServer ? parseFloat(fromServer) : null;
  }

  function seek(seconds, play) {
    if (!isFinite(seconds)) return;
    var go = function () {
      player.currentTime = seconds;
      if (play) { var p = player.play(); if (p && p.catch) p.catch(function () {}); }
    };
    if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
  }

  function highlight() {
    var now = player.currentTime, found = null;
    for (var i = 0; i < segments.length; i++) {
      var s = segments[i];
      if (now >= parseFloat(s.dataset.start) - 0.05 && now < parseFloat(s.dataset.end)) { found = s; break; }
    }
    if (found === current) return;
    if (current) { current.classList.remove("speaking"); current.removeAttribute("aria-current"); }
    current = found;
    if (current) {
      current.classList.add("speaking");
      current.setAttribute("aria-current", "true");
      var box = current.parentElement.getBoundingClientRect(), r = current.getBoundingClientRect();
      if (r.top < box.top || r.bottom > box.bottom) current.scrollIntoView({ block: "nearest" });
    }
  }

  // The word being said: the last one started, while it lasts. A binary search, and a class
  // that only paints a background, so that following 60 times a second never moves the text.
  // (A seek to a word's start may land a few milliseconds before it: the same 0.05 s of lead
  // as the passages'.)
  function highlightWord() {
    var now = player.currentTime + 0.05, low = 0, high = starts.length - 1, at = -1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (starts[mid] <= now) { at = mid; low = mid + 1; } else { high = mid - 1; }
    }
    var found = at >= 0 && now < ends[at] ? words[at] : null;
    if (found === currentWord) return;
    if (currentWord) currentWord.classList.remove("now");
    currentWord = found;
    if (currentWord) currentWord.classList.add("now");
  }

  function follow() {
    highlightWord();
    frame = player.paused || player.ended ? 0 : window.requestAnimationFrame(follow);
  }
  function startFollowing() { if (!frame) frame = window.requestAnimationFrame(follow); }

  readList();
  player.addEventListener("timeupdate", highlight);
  player.addEventListener("seeked", function () { highlight(); highlightWord(); });
  player.addEventListener("play", startFollowing);
  player.addEventListener("playing", startFollowing);
  player.addEventListener("pause", highlightWord);

  function onListClick(event) {
    if (event.target.closest("#passage-editor")) return;
    if (event.target.classList.contains("edit-passage")) { openEditor(event.target); return; }
    var segment = event.target.closest(".segment, .omitted");
    if (!segment) return;
    if (event.target.classList.contains("pick")) { pickPassages(); return; }
    seek(parseFloat(segment.dataset.start), true);
    history.replaceState(null, "", "#t=" + segment.dataset.start + "," + segment.dataset.end);
  }
  reading.addEventListener("click", onListClick);
  if (machine) machine.addEventListener("click", onListClick);

  // Archivists: one editor, moved into the passage being corrected (its text, split, merge,
  // language), posted as a form with the page's CSRF token.
  var editor = document.getElementById("passage-editor");
  function openEditor(button) {
    if (!editor) return;
    var segment = button.closest(".segment");
    var text = segment.querySelector(".text").cloneNode(true);
    slice(text.querySelectorAll(".said")).forEach(function (note) { note.remove(); });
    editor.action = editor.dataset.action.replace(/\/0$/, "/" + button.dataset.index);
    document.getElementById("editor-text").value = text.textContent.replace(/\s+/g, " ").trim();
    var words = segment.querySelectorAll(".w").length;
    var split = document.getElementById("editor-word");
    split.max = Math.max(words - 1, 1);
    split.value = "";
    document.getElementById("editor-language").value = segment.getAttribute("lang");
    document.getElementById("editor-start").value = segment.dataset.start;
    document.getElementById("editor-end").value = segment.dataset.end;
    var speaker = document.getElementById("editor-speaker");
    if (speaker) speaker.value = segment.dataset.speaker || "";
    segment.appendChild(editor);
    editor.hidden = false;
    document.getElementById("editor-text").focus();
  }
  if (editor) {
    document.getElementById("editor-cancel").addEventListener("click", function () {
      editor.hidden = true;
    });
  }

  // The switch between the official text and the machine transcript.
  var toggle = document.getElementById("layer-toggle");
  if (toggle && machine) {
    toggle.addEventListener("click", function () {
      var showMachine = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", showMachine ? "true" : "false");
      reading.hidden = showMachine;
      machine.hidden = !showMachine;
      slice(document.querySelectorAll("[data-layer-show]")).forEach(function (el) {
        el.hidden = el.dataset.layerShow !== (showMachine ? "asr" : "official");
      });
      if (current) { current.classList.remove("speaking"); current.removeAttribute("aria-current"); }
      if (currentWord) currentWord.classList.remove("now");
      current = currentWord = null;
      list = showMachine ? machine : reading;
      readList();
      highlight();
      highlightWord();
    });
  }
  window.addEventListener("hashchange", function () { seek(fragmentStart(), false); });
  var start = fragmentStart();
  if (start !== null) seek(start, false);
  highlight();

  // Clip range: ticked passages, or the playhead, fill the start and end fields.
  function pickPassages() {
    var picked = segments.filter(function (s) { return s.querySelector(".pick").checked; });
    if (!picked.length) return;
    setField("clip-start", parseFloat(picked[0].dataset.start));
    setField("clip-end", parseFloat(picked[picked.length - 1].dataset.end));
  }
  var handles = [document.getElementById("handle-start"), document.getElementById("handle-end")];
  var band = document.querySelector(".timeline-range");
  function parseTime(text) {
    var parts = String(text).trim().split(":"), total = 0;
    for (var i = 0; i < parts.length; i++) total = total * 60 + parseFloat(parts[i]);
    return total;
  }
  function paintBand() {
    var max = parseFloat(handles[0].max) || 1;
    var a = parseFloat(handles[0].value), b = parseFloat(handles[1].value);
    band.style.left = (100 * Math.min(a, b) / max) + "%";
    band.style.width = (100 * Math.abs(b - a) / max) + "%";
  }
  function setField(id, seconds) {
    document.getElementById(id).value = seconds.toFixed(2);
    var handle = handles.filter(function (h) { return h.dataset.field === id; })[0];
    handle.value = seconds;
    paintBand();
  }
  handles.forEach(function (handle) {
    handle.addEventListener("input", function () {
      // The handles never cross: start stays before end.
      var a = parseFloat(handles[0].value), b = parseFloat(handles[1].value);
      if (a > b) { handle.value = handle === handles[0] ? b : a; }
      document.getElementById(handle.dataset.field).value = parseFloat(handle.value).toFixed(2);
      seek(parseFloat(handle.value), false);
      paintBand();
    });
  });
  ["clip-start", "clip-end"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", function (event) {
      var seconds = parseTime(event.target.value);
      if (isFinite(seconds)) setField(id, seconds);
    });
  });
  paintBand();
  Array.prototype.forEach.call(document.querySelectorAll("[data-mark]"), function (button) {
    button.addEventListener("click", function () { setField(button.dataset.mark, player.currentTime); });
  });

  // Show one speaker's passages only (the other passages are hidden, not removed).
  var speakerFilter = document.getElementById("speaker-filter");
  if (speakerFilter) {
    speakerFilter.addEventListener("change", function () {
      var wanted = speakerFilter.value;
      slice(document.querySelectorAll(".segments > li")).forEach(function (item) {
        item.hidden = Boolean(wanted) && item.dataset.speaker !== wanted;
      });
    });
  }

  var cite = document.getElementById("cite");
  cite.addEventListener("click", function () {
    var seg = current || segments[0];
    var quote = "";
    if (seg) {  // the words as shown, without the screen readers' "(said: ...)" notes
      var shown = seg.querySelector(".text").cloneNode(true);
      slice(shown.querySelectorAll(".said")).forEach(function (note) { note.remove(); });
      quote = shown.textContent.replace(/\s+/g, " ").trim();
    }
    var from = seg ? seg.dataset.start : "0", to = seg ? seg.dataset.end : "";
    // Who said it: the passage's speaker where the voices were told apart.
    var who = (seg && seg.dataset.speakerName) || cite.dataset.speaker;
    var parts = [cite.dataset.title, cite.dataset.date, who].filter(Boolean);
    var text = parts.join(", ") + (quote ? ": \u201c" + quote + "\u201d" : "") + " " +
      cite.dataset.url + "#t=" + from + (to ? "," + to : "");
    var status = document.getElementById("cite-status");
    var done = function () { status.textContent = "\u2713 " + text; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, done);
    } else { done(); }
  });
}());
