// Help Locator without a connection (the page's side; the service worker is /sw.js):
// registers the worker; shows the "saved …, may be out of date" line on a saved copy;
// "save for offline" keeps offices in this browser (localStorage) with two weeks of
// opening hours, evaluated here; the offline page lists them; forms say they need a
// connection and keep what was typed (sessionStorage) until it is sent.
// Every text comes translated from the server, in data-* attributes.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var root = script.getAttribute("data-root") || "/";
  var lang = document.documentElement.lang || "uk";
  var KEY = "locator:" + root + ":offline";
  var DRAFTS = "locator:" + root + ":drafts";

  function text(name) { return script.getAttribute("data-text-" + name) || ""; }
  // Templates carry named slots, "{when}", in whatever order the language puts them.
  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (slot, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : slot;
    });
  }
  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  // ---- the service worker ---------------------------------------------------------
  if ("serviceWorker" in navigator && script.getAttribute("data-sw")) {
    window.addEventListener("load", function () {
      var controlled = !!navigator.serviceWorker.controller;
      navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: root })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          // This page came before the worker: have it saved like the pages after it.
          if (!controlled && registration.active) {
            registration.active.postMessage({ type: "save-page", url: window.location.href });
          }
        })
        .catch(function () { /* the site works without it */ });
    });
  }

  // ---- dates and opening hours ----------------------------------------------------
  function formatSaved(iso) {
    var date = new Date(iso);
    if (isNaN(date)) return "";
    return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }).format(date);
  }

  function dayKey(date, zone) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  }

  function moment(minutes, zone) {
    var date = new Date(minutes * 60000);
    var time = new Intl.DateTimeFormat(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false }).format(date);
    if (dayKey(date, zone) === dayKey(new Date(), zone)) return fill(text("at"), { time: time });
    var day = new Intl.DateTimeFormat(lang, { timeZone: zone, weekday: "long" }).format(date);
    return fill(text("on-at"), { day: day, time: time });
  }

  // spans: {from, until, open: [[start, end], …], unknown: […]}: from and until in Unix
  // minutes, the spans in minutes after `from` (locator/offline/services.py).
  function hoursState(spans, zone) {
    var now = spans ? Math.floor(Date.now() / 60000) - spans.from : 0;
    if (!spans || now < 0 || now >= spans.until - spans.from || (!spans.open.length && !spans.unknown.length)) {
      return { key: "unknown", label: text("hours-unknown") };
    }
    zone = zone || "Europe/Kyiv";
    var i;
    for (i = 0; i < spans.unknown.length; i++) {
      if (spans.unknown[i][0] <= now && now < spans.unknown[i][1]) return { key: "unknown", label: text("hours-unknown") };
    }
    for (i = 0; i < spans.open.length; i++) {
      var span = spans.open[i];
      if (span[0] <= now && now < span[1]) {
        var closes = span[1] < spans.until - spans.from ? " " + fill(text("closes"), { when: moment(spans.from + span[1], zone) }) : "";
        return { key: "open", label: text("open") + closes };
      }
      if (span[0] > now) {
        return { key: "closed", label: text("closed") + " " + fill(text("opens"), { when: moment(spans.from + span[0], zone) }) };
      }
    }
    return { key: "closed", label: text("closed") };
  }

  function showState(node, spans, zone) {
    var state = hoursState(spans, zone);
    node.classList.remove("is-open", "is-closed", "is-unknown");
    node.classList.add("is-" + state.key);
    node.textContent = state.label;
    node.hidden = false;
  }

  // ---- what this browser keeps ----------------------------------------------------
  function load() {
    try {
      var data = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      data.offices = data.offices || {};
      return data;
    } catch (error) {
      return { offices: {} };
    }
  }
  function save(data) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(data));
      return true;
    } catch (error) {
      return false;
    }
  }
  function records(box) {
    try { return JSON.parse(box.getAttribute("data-records") || "[]"); } catch (error) { return []; }
  }

  function setupSave(box) {
    var button = box.querySelector("[data-save-button]");
    var status = box.querySelector("[data-save-status]");
    var offices = records(box);
    if (!button || !offices.length || !window.localStorage) return;
    var data = load();
    var now = new Date().toISOString();
    // Offices saved before are renewed silently: two more weeks of hours.
    var saved = offices.filter(function (office) { return data.offices[office.slug]; });
    saved.forEach(function (office) {
      data.offices[office.slug] = Object.assign({}, office, { savedAt: now });
    });
    var area = box.getAttribute("data-area");
    if (area) {
      // The remote help of the last area searched, for the offline page.
      data.area = {
        label: area,
        url: window.location.pathname + window.location.search,
        savedAt: now,
        remote: offices.filter(function (office) { return office.remote; }),
      };
    }
    save(data);
    function report(count) {
      status.textContent = fill(box.getAttribute(count === offices.length ? "data-text-saved" : "data-text-saved-some"), { when: formatSaved(now) });
    }
    if (saved.length) report(saved.length);
    button.hidden = false;
    button.addEventListener("click", function () {
      var fresh = load();
      var at = new Date().toISOString();
      offices.forEach(function (office) {
        fresh.offices[office.slug] = Object.assign({}, office, { savedAt: at });
      });
      if (save(fresh)) {
        now = at;
        report(offices.length);
      } else {
        status.textContent = box.getAttribute("data-text-failed");
      }
    });
  }

  // ---- the saved copy's line --------------------------------------------------------
  function setupSavedNote(note) {
    var at = note.getAttribute("data-saved-at");
    if (!at) return;
    note.hidden = false;
    var when = formatSaved(at);
    if (when) note.textContent = fill(note.getAttribute("data-text"), { when: when });
  }

  // ---- the offline page ---------------------------------------------------------------
  function officeItem(office, removable) {
    var item = element("li", "office-item saved-office");
    var name = element("h3", "office-name");
    var link = element("a", "", office.name);
    link.href = office.url;
    name.appendChild(link);
    item.appendChild(name);
    if (office.organization) item.appendChild(element("p", "organization small", office.organization));
    var state = element("p", "open-state");
    showState(state, office.spans, office.timezone);
    item.appendChild(state);
    item.appendChild(element("p", "address", office.address ? office.address + ", " + office.city : office.city + " — " + text("remote")));
    if (office.phone) {
      var phone = element("p", "phone");
      var call = element("a", "", office.phone);
      call.href = "tel:" + office.phone.replace(/\s+/g, "");
      phone.appendChild(call);
      item.appendChild(phone);
    }
    if (office.hours && office.hours.length) {
      item.appendChild(element("p", "hours small", office.hours.join("; ")));
    }
    if (office.savedAt) item.appendChild(element("p", "small", fill(text("saved-on"), { when: formatSaved(office.savedAt) })));
    if (removable) {
      var remove = element("button", "secondary", text("remove"));
      remove.type = "button";
      remove.setAttribute("aria-label", fill(text("remove-label"), { name: office.name }));
      remove.addEventListener("click", function () {
        var data = load();
        delete data.offices[office.slug];
        save(data);
        item.remove();
      });
      item.appendChild(remove);
    }
    return item;
  }

  function showList(container, offices, removable) {
    var list = container.querySelector("[data-list]");
    var empty = container.querySelector("[data-empty]");
    list.textContent = "";
    offices.forEach(function (office) { list.appendChild(officeItem(office, removable)); });
    list.hidden = !offices.length;
    if (empty) empty.hidden = !!offices.length;
  }

  function setupOfflinePage(box) {
    var data = load();
    var offices = Object.keys(data.offices).map(function (slug) { return data.offices[slug]; });
    offices.sort(function (a, b) { return (b.savedAt || "").localeCompare(a.savedAt || ""); });
    var savedBox = box.querySelector("[data-saved-offices]");
    if (savedBox) showList(savedBox, offices, true);

    var areaBox = box.querySelector("[data-area-help]");
    if (areaBox && data.area && data.area.remote && data.area.remote.length) {
      areaBox.hidden = false;
      var heading = areaBox.querySelector("[data-area-heading]");
      heading.textContent = fill(heading.getAttribute("data-text"), { place: data.area.label });
      showList(areaBox, data.area.remote, false);
    }

    box.querySelectorAll("[data-hours]").forEach(function (node) {
      try { showState(node, JSON.parse(node.getAttribute("data-hours")), node.getAttribute("data-timezone")); } catch (error) { /* keep the text */ }
    });

    var connection = box.querySelector("[data-connection]");
    function showConnection() {
      if (!connection) return;
      connection.textContent = connection.getAttribute(navigator.onLine ? "data-text-online" : "data-text-offline");
    }
    showConnection();
    window.addEventListener("online", showConnection);
    window.addEventListener("offline", showConnection);

    var missing = box.querySelector("[data-not-saved]");
    if (missing && window.location.pathname !== box.getAttribute("data-path")) missing.hidden = false;

    var pagesBox = box.querySelector("[data-saved-pages]");
    if (pagesBox && window.caches) listSavedPages(pagesBox);
  }

  function listSavedPages(container) {
    var list = container.querySelector("[data-list]");
    var empty = container.querySelector("[data-empty]");
    window.caches.open("locator:" + root + ":pages").then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) {
          return cache.match(key).then(function (response) { return [key.url, response]; });
        }));
      });
    }).then(function (entries) {
      entries = entries.filter(function (entry) { return entry[1]; });
      entries.sort(function (a, b) {
        return (b[1].headers.get("X-Saved-At") || "").localeCompare(a[1].headers.get("X-Saved-At") || "");
      });
      entries.forEach(function (entry) {
        var item = element("li");
        var link = element("a", "", decodeURIComponent(entry[1].headers.get("X-Saved-Title") || "") || entry[0]);
        link.href = entry[0];
        item.appendChild(link);
        item.appendChild(element("span", "small", " — " + fill(text("saved-on"), { when: formatSaved(entry[1].headers.get("X-Saved-At")) })));
        list.appendChild(item);
      });
      list.hidden = !entries.length;
      if (empty) empty.hidden = !!entries.length;
    }).catch(function () { /* no cache storage: the list stays empty */ });
  }

  // ---- forms: they need a connection; what was typed is kept ------------------------
  function draftKey(form) {
    return (form.getAttribute("action") || window.location.pathname) + "#" + (form.id || form.className || "");
  }
  function drafts() {
    try { return JSON.parse(window.sessionStorage.getItem(DRAFTS) || "{}"); } catch (error) { return {}; }
  }
  function keepDrafts(all) {
    try { window.sessionStorage.setItem(DRAFTS, JSON.stringify(all)); } catch (error) { /* full or off */ }
  }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      var type = (field.type || "").toLowerCase();
      return field.name && field.name !== "csrf_token" && field.name !== "website_url" &&
        ["hidden", "password", "file", "submit", "button", "reset"].indexOf(type) === -1;
    });
  }
  function snapshot(form) {
    var values = {};
    fields(form).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) values[field.name + "=" + field.value] = true;
      } else {
        values[field.name] = field.value;
      }
    });
    return values;
  }
  function restore(form, values) {
    fields(form).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (values[field.name + "=" + field.value] && !field.checked) field.checked = true;
      } else if (typeof values[field.name] === "string" && !field.value && values[field.name]) {
        field.value = values[field.name];
      }
    });
  }

  function setupForm(form) {
    var key = draftKey(form);
    // A form in a dialog keeps its text while the dialog is open, and fills itself in
    // when it opens (the error report): no draft for it.
    var keep = !form.hasAttribute("data-no-draft") && !form.closest("dialog");
    var note = element("p", "offline-form-note");
    note.setAttribute("role", "status");
    note.hidden = true;
    form.insertBefore(note, form.firstChild);
    function showNote(message) {
      note.textContent = message;
      note.hidden = !message;
    }
    function onConnection() { showNote(navigator.onLine ? "" : text("form-offline")); }
    var all = drafts();
    if (keep && all[key]) restore(form, all[key].values);
    form.addEventListener("input", function () {
      if (!keep) return;
      var current = drafts();
      current[key] = { values: snapshot(form), sent: false };
      keepDrafts(current);
    });
    form.addEventListener("reset", function () {
      var current = drafts();
      delete current[key];
      keepDrafts(current);
    });
    form.addEventListener("submit", function (event) {
      if (!navigator.onLine) {
        event.preventDefault();
        event.stopImmediatePropagation();
        showNote(text("form-not-sent"));
        return;
      }
      if (!keep) return;
      var current = drafts();
      current[key] = { values: snapshot(form), sent: Date.now(), action: form.action };
      keepDrafts(current);
    }, true);
    window.addEventListener("online", onConnection);
    window.addEventListener("offline", onConnection);
    onConnection();
  }

  function failedPosts() {
    // Forms the service worker could not send (templates/offline/sw.js, notSent).
    if (!window.caches) return Promise.resolve([]);
    return window.caches.open("locator:" + root + ":meta")
      .then(function (cache) { return cache.match(new URL(root + "__failed-posts", window.location.href).href); })
      .then(function (response) { return response ? response.json() : []; });
  }

  function settleSentDrafts(then) {
    // A draft that was sent reached the server unless the worker said it could not be
    // sent: drop it (the server has it, or shows the form again with what it got).
    var before = drafts();
    var sent = Object.keys(before).filter(function (key) { return before[key].sent; });
    if (!sent.length) { then(); return; }
    failedPosts().catch(function () { return []; }).then(function (failed) {
      var current = drafts();
      sent.forEach(function (key) {
        var draft = current[key];
        if (!draft) return;
        var notSent = failed.some(function (f) { return f.url === draft.action && f.at >= draft.sent; });
        if (notSent) draft.sent = false;
        else delete current[key];
      });
      keepDrafts(current);
    }).then(then, then);
  }

  function start() {
    document.querySelectorAll("[data-saved-note]").forEach(setupSavedNote);
    document.querySelectorAll("[data-save-offline]").forEach(setupSave);
    document.querySelectorAll("[data-offline-page]").forEach(setupOfflinePage);
    if (window.location.pathname.indexOf(root + "admin") === 0) return;
    var forms = Array.prototype.filter.call(document.querySelectorAll("form"), function (form) {
      return (form.getAttribute("method") || "get").toLowerCase() === "post";
    });
    settleSentDrafts(function () { forms.forEach(setupForm); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
