// Jobs page: poll /jobs.json every 2 s and put its rows in the table (rendered by the server,
// in the page's language). A table that did not change is left alone, so a focused Retry
// button stays focused.
(function () {
  "use strict";
  var table = document.getElementById("jobs");
  if (!table || !window.fetch) return;
  var body = table.querySelector("tbody");
  var status = document.getElementById("jobs-status");
  var shown = body.innerHTML;

  function poll() {
    fetch(table.dataset.source, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (data.rows !== shown) { body.innerHTML = data.rows; shown = data.rows; }
        table.dataset.active = data.active;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { status.textContent = table.dataset.stopped; });
  }
  window.setTimeout(poll, 2000);
})();
