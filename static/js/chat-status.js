// Keeps the server-rendered "open now / opens at …" of the online consultation current
// while a page stays open: asks /api/v1/chat/status every minute and when the tab is shown
// again. Without this file the status is right as of the page load.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-chat-status]");
  if (!boxes.length || !window.fetch) return;
  var api = boxes[0].getAttribute("data-api");

  function dayKey(date, zone) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  }

  function when(iso, zone, lang) {
    var moment = new Date(iso);
    var time = new Intl.DateTimeFormat(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false }).format(moment);
    if (dayKey(moment, zone) === dayKey(new Date(), zone)) return time;
    var day = new Intl.DateTimeFormat(lang, { timeZone: zone, weekday: "long" }).format(moment);
    return day + " " + time;
  }

  function show(box, status) {
    var lang = box.getAttribute("data-lang") || document.documentElement.lang || "uk";
    box.classList.toggle("is-open", !!status.open);
    box.classList.toggle("is-closed", !status.open);
    box.textContent = box.getAttribute(status.open ? "data-text-open" : "data-text-closed");
    if (status.next_change) {
      var template = box.getAttribute(status.open ? "data-text-closes" : "data-text-opens");
      var span = document.createElement("span");
      span.textContent = template.replace("%s", when(status.next_change, status.timezone, lang));
      box.appendChild(document.createTextNode(" "));
      box.appendChild(span);
    }
  }

  function refresh() {
    fetch(api, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && typeof status.open === "boolean") boxes.forEach(function (box) { show(box, status); });
      })
      .catch(function () { /* offline: keep what the server rendered */ });
  }

  window.setInterval(refresh, 60000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
})();
