// Coding a source in the browser: selecting text (mouse, keyboard or touch) fills the coding
// form with the span's start and end in Unicode code points and shows the quote; the keys
// 1–9 choose a code and Enter applies it. Works without a mouse and on tablets (the
// selection is read on `selectionchange`, which touch selection fires).
(function () {
  "use strict";
  var text = document.getElementById("qual-text");
  if (!text) { return; }
  // Each code's colour (the policy forbids inline style attributes; CSSOM is allowed).
  // The text is black or white, whichever reads better on the code's colour (WCAG contrast).
  function channel(v) {
    var c = v / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  Array.prototype.forEach.call(text.querySelectorAll("mark[data-color]"), function (m) {
    var hex = m.getAttribute("data-color");
    if (!/^#[0-9a-fA-F]{6}$/.test(hex)) { return; }
    var r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
    var lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    m.style.backgroundColor = hex;
    m.style.color = lum > 0.179 ? "#000000" : "#ffffff";
  });
  // A coding opened from elsewhere (`#c12`): its marks stand out and come into view.
  var wanted = /^#c(\d+)$/.exec(window.location.hash);
  if (wanted) {
    var marks = text.querySelectorAll('mark[data-codings~="' + wanted[1] + '"]');
    Array.prototype.forEach.call(marks, function (m) { m.classList.add("focus"); });
    if (marks.length > 0) { marks[0].scrollIntoView({ block: "center" }); }
  }
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
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) { return; }
    // The shortcuts work only where a selection is made: on the page or in the text, never
    // on a focused button, link or field.
    var t = ev.target;
    if (t && t !== document.body && t !== document.documentElement && t !== text && !text.contains(t)) { return; }
    if (ev.key >= "1" && ev.key <= "9") {
      var opt = select.querySelector('option[data-key="' + ev.key + '"]');
      if (opt) { select.value = opt.value; ev.preventDefault(); }
    } else if (ev.key === "Enter" && start.value && end.value && select.value) {
      ev.preventDefault();
      form.submit();
    }
  });
})();
