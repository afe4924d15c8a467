// Berdaya's reference picker: turns each `div.picker` that form.html renders (a text input
// holding a record's id or region code) into a search-as-you-type box over
// `/api/v1/pick/{kind}?q=`, following the WAI-ARIA combobox pattern. The value input stays
// in the form as a hidden input, so the form submits what it submitted without JavaScript:
// one id or code, or (several) the chosen values joined with ", ".
(function () {
  "use strict";

  var DEBOUNCE_MS = 200;
  var MIN_CHARS = 1;
  var LIMIT = 20;
  var counter = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function setup(root) {
    var valueInput = root.querySelector("input.picker-value");
    if (!valueInput || root.dataset.ready) return;
    root.dataset.ready = "true";
    counter += 1;
    var kind = root.dataset.kind;
    var multiple = root.dataset.multiple === "true";
    var readonly = valueInput.readOnly;
    var id = valueInput.id || "picker-" + counter;
    var listId = id + "-list";

    // The search box takes the value input's id, so the field's label names it.
    valueInput.id = id + "-value";
    valueInput.type = "hidden";
    // The name shown beside the raw value without JavaScript; the search box shows it now.
    root.querySelectorAll("output.picker-shown").forEach(function (o) { o.remove(); });
    var search = el("input", {
      type: "text",
      id: id,
      class: "picker-search",
      role: "combobox",
      autocomplete: "off",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": listId,
      placeholder: root.dataset.placeholder || ""
    });
    if (readonly) search.readOnly = true;
    var list = el("ul", { id: listId, class: "picker-list", role: "listbox", hidden: "" });
    var status = el("p", { class: "picker-status", role: "status", "aria-live": "polite" });
    var chips = el("ul", { class: "picker-chips" });

    // The chosen records: [{value, label}].
    var chosen = [];
    if (multiple) {
      root.querySelectorAll(".picker-chosen").forEach(function (s) {
        chosen.push({ value: s.dataset.value, label: s.textContent });
      });
      if (!chosen.length && valueInput.value.trim()) {
        valueInput.value.split(",").forEach(function (v) {
          v = v.trim();
          if (v) chosen.push({ value: v, label: v });
        });
      }
    } else if (valueInput.value.trim()) {
      chosen.push({ value: valueInput.value.trim(), label: root.dataset.shown || valueInput.value.trim() });
      search.value = chosen[0].label;
    }

    root.insertBefore(search, valueInput);
    if (multiple) root.insertBefore(chips, search);
    root.appendChild(list);
    root.appendChild(status);

    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function sync() {
      valueInput.value = chosen.map(function (c) { return c.value; }).join(", ");
      if (!multiple) return;
      chips.textContent = "";
      chosen.forEach(function (c, i) {
        var chip = el("li", { class: "picker-chip", "data-value": c.value });
        chip.appendChild(el("span", {}, c.label));
        if (!readonly) {
          var remove = el("button", {
            type: "button",
            class: "picker-remove",
            "aria-label": (root.dataset.remove || "Hapus") + " " + c.label
          }, "×");
          remove.addEventListener("click", function () {
            chosen.splice(i, 1);
            sync();
            search.focus();
          });
          chip.appendChild(remove);
        }
        chips.appendChild(chip);
      });
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      options = [];
      active = -1;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
    }

    function highlight(i) {
      if (!options.length) return;
      active = (i + options.length) % options.length;
      options.forEach(function (o, j) {
        o.el.setAttribute("aria-selected", j === active ? "true" : "false");
        o.el.classList.toggle("active", j === active);
      });
      search.setAttribute("aria-activedescendant", options[active].el.id);
      options[active].el.scrollIntoView({ block: "nearest" });
    }

    function choose(item) {
      if (multiple) {
        if (!chosen.some(function (c) { return c.value === item.value; })) {
          chosen.push({ value: item.value, label: item.label });
        }
        search.value = "";
      } else {
        chosen = [{ value: item.value, label: item.label }];
        search.value = item.label;
      }
      sync();
      close();
      status.textContent = "";
      valueInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(items) {
      list.textContent = "";
      options = items.map(function (item, i) {
        var li = el("li", { id: listId + "-" + i, role: "option", class: "picker-option", "aria-selected": "false" });
        li.appendChild(el("span", { class: "picker-label" }, item.label));
        if (item.detail) li.appendChild(el("small", { class: "picker-detail" }, item.detail));
        // mousedown, not click: it comes before the search box loses focus.
        li.addEventListener("mousedown", function (ev) {
          ev.preventDefault();
          choose(item);
        });
        list.appendChild(li);
        return { el: li, item: item };
      });
      active = -1;
      if (options.length) {
        list.hidden = false;
        search.setAttribute("aria-expanded", "true");
        status.textContent = "";
      } else {
        close();
        status.textContent = root.dataset.none || "";
      }
    }

    // A picker whose kind follows a select of its form (an enrollment's subject: household,
    // person or group) searches that kind, and forgets its choice when the select changes.
    var kindSelect = root.dataset.kindFrom && root.closest("form")
      ? root.closest("form").querySelector('select[name="' + root.dataset.kindFrom + '"]')
      : null;
    if (kindSelect) {
      kindSelect.addEventListener("change", function () {
        chosen = [];
        search.value = "";
        sync();
        close();
      });
    }

    function ask(text) {
      var mine = ++asked;
      var searched = kindSelect && kindSelect.value ? kindSelect.value : kind;
      var url = "/api/v1/pick/" + encodeURIComponent(searched) + "?limit=" + LIMIT + "&q=" + encodeURIComponent(text);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (res) {
          if (!res.ok) throw new Error(String(res.status));
          return res.json();
        })
        .then(function (items) {
          if (mine === asked && search.value.trim() === text) show(items);
        })
        .catch(function () {
          if (mine === asked) {
            close();
            status.textContent = root.dataset.failed || "";
          }
        });
    }

    search.addEventListener("input", function () {
      var text = search.value.trim();
      // Typing over a chosen record un-chooses it: what is submitted is only ever chosen.
      if (!multiple && chosen.length) {
        chosen = [];
        sync();
      }
      clearTimeout(timer);
      if (text.length < MIN_CHARS) {
        close();
        status.textContent = "";
        return;
      }
      timer = setTimeout(function () { ask(text); }, DEBOUNCE_MS);
    });

    search.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        if (options.length) highlight(active + 1);
        else if (search.value.trim().length >= MIN_CHARS) ask(search.value.trim());
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        highlight(active - 1);
      } else if (ev.key === "Enter") {
        if (!list.hidden && options.length) {
          ev.preventDefault();
          choose(options[active >= 0 ? active : 0].item);
        }
      } else if (ev.key === "Escape") {
        if (!list.hidden) {
          ev.preventDefault();
          close();
        }
      } else if (ev.key === "Backspace" && multiple && !search.value && chosen.length && !readonly) {
        chosen.pop();
        sync();
      }
    });

    search.addEventListener("blur", function () {
      setTimeout(close, 150);
    });

    sync();
  }

  function init() {
    document.querySelectorAll("div.picker").forEach(setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  // Forms htmx swaps in get pickers too.
  document.addEventListener("htmx:afterSwap", init);
})();
