// Upload page: drop or choose files, give each a title, send each in its own request with a
// progress bar; the server's answer (queued, already in the archive, refused and why) is shown
// per file. Without this script the form posts every file at once and works the same.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var text = JSON.parse(form.dataset.i18n);
  var limit = parseInt(form.dataset.limit, 10);
  var input = document.getElementById("files");
  var zone = document.getElementById("dropzone");
  var list = document.getElementById("upload-list");
  var status = document.getElementById("upload-status");
  var button = document.getElementById("upload-button");
  var items = [];
  // Each file gets its own title field in the list: the form's single one is for no-script use.
  form.elements.title.closest(".field").hidden = true;

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }
  function stem(name) { return name.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ").trim() || name; }

  function add(file) {
    var row = document.createElement("li");
    row.className = "upload-item";
    row.innerHTML = '<span class="upload-name"></span> <span class="muted upload-size"></span>' +
      '<label class="upload-title"><span></span> <input type="text" maxlength="300"></label>' +
      '<button type="button" class="link upload-remove"></button>' +
      '<progress max="100" value="0"></progress> <span class="upload-message" role="status"></span>';
    row.querySelector(".upload-name").textContent = file.name;
    row.querySelector(".upload-size").textContent = megabytes(file.size);
    row.querySelector(".upload-title span").textContent = text.title;
    row.querySelector(".upload-title input").value = stem(file.name);
    var item = { file: file, row: row, state: "waiting" };
    var remove = row.querySelector(".upload-remove");
    remove.textContent = text.remove;
    remove.addEventListener("click", function () {
      items.splice(items.indexOf(item), 1);
      row.remove();
    });
    if (file.size === 0) finish(item, false, text.empty);
    else if (file.size > limit) finish(item, false, text.too_big);
    else say(item, text.waiting);
    items.push(item);
    list.appendChild(row);
  }

  function say(item, message) { item.row.querySelector(".upload-message").textContent = message; }

  function finish(item, ok, message, url) {
    item.state = ok ? "done" : "failed";
    item.row.classList.add(ok ? "ok" : "failed");
    item.row.querySelector(".upload-remove").hidden = true;
    item.row.querySelector("input").disabled = true;
    say(item, message);
    if (url) {
      var link = document.createElement("a");
      link.href = url;
      link.textContent = "↗";
      item.row.querySelector(".upload-message").append(" ", link);
    }
  }

  function addAll(files) { Array.prototype.forEach.call(files, add); }

  input.addEventListener("change", function () { addAll(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files) addAll(event.dataTransfer.files);
  });

  function send(item) {
    return new Promise(function (resolve) {
      var data = new FormData();
      ["csrf_token", "date", "speaker", "event"].forEach(function (name) {
        if (form.elements[name]) data.append(name, form.elements[name].value);
      });
      data.append("title", item.row.querySelector(".upload-title input").value);
      data.append("files", item.file, item.file.name);
      var bar = item.row.querySelector("progress");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) bar.value = 100 * event.loaded / event.total;
      });
      xhr.upload.addEventListener("load", function () { bar.value = 100; say(item, text.checking); });
      xhr.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (xhr.status === 200 && answer && answer.files && answer.files.length) {
          var result = answer.files[0];
          finish(item, result.ok, result.message, result.url);
        } else {
          var reason = answer && answer.error ? answer.error : xhr.status + " " + xhr.statusText;
          finish(item, false, xhr.status === 413 ? reason : text.failed + " " + reason);
        }
        resolve();
      });
      xhr.addEventListener("error", function () {
        finish(item, false, text.failed + " " + text.network);
        resolve();
      });
      item.state = "sending";
      say(item, text.sending);
      xhr.send(data);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var pending = items.filter(function (item) { return item.state === "waiting"; });
    if (!pending.length) { status.textContent = text.none; return; }
    button.disabled = true;
    status.textContent = "";
    // One file at a time: the connection's whole bandwidth goes to the file in progress.
    pending.reduce(function (chain, item) {
      return chain.then(function () { return send(item); });
    }, Promise.resolve()).then(function () {
      button.disabled = false;
      status.textContent = text.done;
    });
  });
})();
