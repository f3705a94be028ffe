// Error reports: select text and press Ctrl+Enter (or use the "Report an error" link or,
// on touch screens, the button that appears over a selection). Opens the <dialog> from
// templates/_partials/help.html and posts it to /report-error with fetch. Without this
// file the link opens /report-error as a plain page with the same form.
(function () {
  "use strict";

  var dialog = document.getElementById("report-error-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var form = dialog.querySelector("[data-report-error-form]");
  var message = dialog.querySelector("[data-report-error-message]");
  var selectionBox = form.elements.selection;
  var commentBox = form.elements.comment;
  var submit = form.querySelector("button[type=submit]");
  var SELECTION_MAX = 1000;
  var CONTEXT_MAX = 2000;
  var lastSelection = { text: "", context: "" };
  var returnFocus = null;

  function clip(text, max) {
    text = text.replace(/\s+/g, " ").trim();
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  function blockOf(node) {
    var el = node && node.nodeType === 1 ? node : node && node.parentElement;
    while (el && el !== document.body) {
      var display = window.getComputedStyle(el).display;
      if (display !== "inline" && display !== "inline-block" && display !== "contents") return el;
      el = el.parentElement;
    }
    return document.body;
  }

  // The sentence (or sentences) around the selection, from its block of text.
  function contextOf(range, selected) {
    var block = blockOf(range.commonAncestorContainer);
    var text = block.textContent || "";
    var before = document.createRange();
    before.setStart(block, 0);
    try { before.setEnd(range.startContainer, range.startOffset); } catch (e) { return clip(selected, CONTEXT_MAX); }
    var start = before.toString().length;
    var end = start + range.toString().length;
    var from = start;
    while (from > 1 && !/[.!?…]\s/.test(text.slice(from - 2, from))) from--;
    if (from === 1) from = 0;
    var to = end;
    if (!/[.!?…]/.test(text.charAt(end - 1))) {
      while (to < text.length && !/[.!?…]/.test(text.charAt(to))) to++;
      to = Math.min(text.length, to + 1);
    }
    return clip(text.slice(from, to), CONTEXT_MAX);
  }

  function currentSelection() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    var range = sel.getRangeAt(0);
    if (dialog.contains(range.commonAncestorContainer)) return null;
    var text = clip(sel.toString(), SELECTION_MAX);
    if (!text) return null;
    return { text: text, context: contextOf(range, text) };
  }

  function say(text, isError) {
    message.textContent = text || "";
    message.classList.toggle("is-error", !!isError);
  }

  function open(found) {
    found = found || lastSelection;
    returnFocus = document.activeElement;
    selectionBox.value = found.text || "";
    form.elements.context.value = found.context || "";
    form.elements.url.value = window.location.pathname + window.location.search;
    commentBox.value = "";
    submit.hidden = false;
    submit.disabled = false;
    say("");
    dialog.showModal();
    commentBox.focus();
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  dialog.addEventListener("close", function () {
    if (returnFocus && typeof returnFocus.focus === "function") returnFocus.focus();
    hideFloating();
  });

  // Keep Tab inside the dialog (showModal makes the page inert; this also wraps around).
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var items = Array.prototype.filter.call(
      dialog.querySelectorAll("button, [href], input:not([type=hidden]), textarea, select"),
      function (el) { return !el.disabled && !el.hidden && el.offsetParent !== null; }
    );
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
    else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
  });

  dialog.querySelector("[data-report-error-close]").addEventListener("click", close);
  dialog.addEventListener("click", function (event) { if (event.target === dialog) close(); });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || dialog.open) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var found = currentSelection();
    if (!found) return;
    event.preventDefault();
    open(found);
  });

  // Tapping a link or button clears the selection on phones: remember the last one.
  var floating = null;
  var coarse = window.matchMedia && window.matchMedia("(pointer: coarse), (max-width: 40rem)");
  function hideFloating() { if (floating) floating.hidden = true; }
  document.addEventListener("selectionchange", function () {
    var found = currentSelection();
    if (found) lastSelection = found;
    if (!coarse || !coarse.matches) return;
    if (!floating) {
      floating = document.createElement("button");
      floating.type = "button";
      floating.className = "report-floating";
      floating.textContent = dialog.querySelector("#report-error-title").textContent;
      floating.hidden = true;
      floating.addEventListener("mousedown", function (e) { e.preventDefault(); });
      floating.addEventListener("click", function () { open(lastSelection); });
      document.body.appendChild(floating);
    }
    floating.hidden = !found;
  });

  document.querySelectorAll("[data-report-error-open]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      open(currentSelection() || lastSelection);
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit.disabled = true;
    say(dialog.getAttribute("data-msg-sending"));
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok && data.ok) {
          say(data.message);
          submit.hidden = true;
          lastSelection = { text: "", context: "" };
          dialog.querySelector("[data-report-error-close]").focus();
        } else {
          submit.disabled = false;
          say((data.error && data.error.message) || dialog.getAttribute("data-msg-failed"), true);
        }
      });
    }).catch(function () {
      submit.disabled = false;
      say(dialog.getAttribute("data-msg-failed"), true);
    });
  });
})();
