// Berdaya's survey upload: on the upload form (`form#survey`) the files are sent with
// XMLHttpRequest so a <progress> shows how much has been sent; on a job's page
// (`#survey-job`) the analysis's progress is asked from its JSON status address every second
// until it ends. Without JavaScript the form posts as a plain form and the job page reloads
// itself (<meta refresh>), so both still work.
(function () {
  "use strict";

  function uploadForm(form) {
    var box = document.getElementById("upload-status");
    var bar = document.getElementById("upload-progress");
    var text = document.getElementById("upload-text");
    var limit = document.getElementById("upload-limit");
    if (!box || !bar || !text || !window.FormData || !window.XMLHttpRequest) return;
    var limitBytes = limit ? Number(limit.getAttribute("data-limit-mib")) * 1024 * 1024 : 0;

    form.addEventListener("submit", function (ev) {
      var size = 0;
      Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
        Array.prototype.forEach.call(input.files || [], function (f) { size += f.size; });
      });
      box.hidden = false;
      if (limitBytes > 0 && size > limitBytes) {
        // Refused here: the server would refuse it too, after the whole upload.
        ev.preventDefault();
        bar.value = 0;
        text.textContent = text.getAttribute("data-too-large");
        return;
      }
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      var token = form.querySelector("input[name=_csrf]");
      if (token) xhr.setRequestHeader("X-CSRF-Token", token.value);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var pct = Math.floor((e.loaded * 100) / e.total);
        bar.value = pct;
        text.textContent = text.getAttribute("data-sending").replace("{percent}", String(pct));
      });
      xhr.addEventListener("load", function () {
        // Redirected (to the job's page, or already to the report): go there. A refusal:
        // show the page the server sent.
        var action = new URL(form.getAttribute("action"), window.location.href);
        var landed = xhr.responseURL ? new URL(xhr.responseURL) : action;
        if (xhr.status === 200 && landed.pathname !== action.pathname) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        if (button) button.disabled = false;
        text.textContent = text.getAttribute("data-failed");
      });
      xhr.send(new FormData(form));
    });
  }

  function jobPage(box) {
    var url = box.getAttribute("data-status");
    var bar = document.getElementById("job-progress");
    var text = document.getElementById("job-text");
    function poll() {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.addEventListener("load", function () {
        var s;
        try { s = JSON.parse(xhr.responseText); } catch (e) { s = null; }
        if (!s || xhr.status !== 200) { window.setTimeout(poll, 3000); return; }
        if (bar) bar.value = s.percent;
        if (text) text.textContent = s.text;
        if (s.state === "done") { window.location.assign(s.location); return; }
        if (s.state === "failed") { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      });
      xhr.addEventListener("error", function () { window.setTimeout(poll, 3000); });
      xhr.send();
    }
    window.setTimeout(poll, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("survey");
    if (form && form.tagName === "FORM") uploadForm(form);
    var job = document.getElementById("survey-job");
    if (job) jobPage(job);
  });
})();
