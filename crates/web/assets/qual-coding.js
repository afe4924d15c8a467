// Coding a source in the browser: selecting text (mouse, keyboard or touch) fills the coding
// form with the span's start and end in Unicode code points and shows the quote; the keys
// 1–9 choose a code and Enter applies it. Works without a mouse and on tablets (the
// selection is read on `selectionchange`, which touch selection fires).
(function () {
  "use strict";
  var text = document.getElementById("qual-text");
  if (!text) { return; }
  // Each code's colour (the policy forbids inline style attributes; CSSOM is allowed).
  Array.prototype.forEach.call(text.querySelectorAll("mark[data-color]"), function (m) {
    m.style.backgroundColor = m.getAttribute("data-color");
  });
  var form = document.getElementById("coding");
  if (!form) { return; }
  var start = document.getElementById("coding-start");
  var end = document.getElementById("coding-end");
  var quote = document.getElementById("coding-quote");
  var span = document.getElementById("coding-span");
  var select = document.getElementById("coding-code_id");

  function points(s) { return Array.from(s).length; }

  function offset(node, off) {
    var r = document.createRange();
    r.setStart(text, 0);
    r.setEnd(node, off);
    return points(r.toString());
  }

  function read() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return; }
    var r = sel.getRangeAt(0);
    if (!text.contains(r.startContainer) || !text.contains(r.endContainer)) { return; }
    var s = offset(r.startContainer, r.startOffset);
    var e = offset(r.endContainer, r.endOffset);
    if (e <= s) { return; }
    start.value = String(s);
    end.value = String(e);
    var q = r.toString();
    quote.textContent = q.length > 400 ? q.slice(0, 400) + "…" : q;
    span.textContent = "(" + s + "–" + e + ")";
    form.classList.add("ready");
  }

  document.addEventListener("selectionchange", read);
  text.addEventListener("mouseup", read);
  text.addEventListener("touchend", function () { window.setTimeout(read, 50); });
  text.addEventListener("keyup", read);

  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT") { return; }
    if (ev.key >= "1" && ev.key <= "9") {
      var opt = select.querySelector('option[data-key="' + ev.key + '"]');
      if (opt) { select.value = opt.value; ev.preventDefault(); }
    } else if (ev.key === "Enter" && start.value && end.value && select.value) {
      ev.preventDefault();
      form.submit();
    }
  });
})();
