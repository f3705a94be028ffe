// The live chat, for visitors (/chat/<token>) and coordinators (/admin/chat…).
//
// Messages arrive over Server-Sent Events; each carries its id, which the browser sends
// back as Last-Event-ID when it reconnects by itself, so the server resumes after it.
// Whenever the stream is away (refused, offline, a frozen tab woken up) the page asks
// `messages?after=<last id shown>` instead. A message is shown once, by id, however it
// came. Sending uses fetch (JSON) with the form's CSRF token; without JavaScript the
// plain form and a reload do the same job.
(function () {
  "use strict";

  var POLL_MS = 4000;          // while the stream is away
  var STREAM_RETRY_MS = 30000; // try the stream again after a refusal
  var OFFLINE_AFTER_MS = 4000; // say "reconnecting" only if it takes this long

  function getJSON(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  function withAfter(url, after) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(after);
  }

  function randomKey() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function Conversation(root) {
    var viewer = root.getAttribute("data-chat");
    var log = root.querySelector("[data-chat-log]");
    var empty = root.querySelector("[data-chat-empty]");
    var stateBox = root.querySelector("[data-chat-state]");
    var connection = root.querySelector("[data-chat-connection]");
    var form = root.querySelector("[data-chat-form]");
    var refresh = root.querySelector("[data-chat-refresh]");
    var eventsUrl = root.getAttribute("data-events");
    var messagesUrl = root.getAttribute("data-messages");
    var zone = root.getAttribute("data-tz") || "Europe/Kyiv";
    var lang = root.getAttribute("data-lang") || document.documentElement.lang || "uk";
    var status = root.getAttribute("data-status");
    var initialStatus = status;
    var seen = {};
    var last = 0;
    var source = null;
    var pollTimer = null;
    var retryTimer = null;
    var offlineTimer = null;
    var unread = 0;
    var baseTitle = document.title;

    Array.prototype.forEach.call(log.querySelectorAll("[data-id]"), function (item) {
      var id = parseInt(item.getAttribute("data-id"), 10);
      seen[id] = true;
      if (id > last) last = id;
    });
    if (refresh) refresh.hidden = true; // the page updates itself

    function text(name) { return root.getAttribute("data-text-" + name) || ""; }

    function clock(iso) {
      try {
        return new Intl.DateTimeFormat(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false }).format(new Date(iso));
      } catch (e) {
        return iso.slice(11, 16);
      }
    }

    function who(message) {
      if (message.author === "visitor") return viewer === "visitor" ? text("you") : (message.name || text("visitor"));
      return message.name || text("expert");
    }

    function add(message) {
      if (!message || typeof message.id !== "number" || seen[message.id]) return false;
      seen[message.id] = true;
      var item = document.createElement("li");
      item.className = "chat-message from-" + message.author + (message.author === viewer ? " is-mine" : "");
      item.id = "m" + message.id;
      item.setAttribute("data-id", String(message.id));
      var meta = document.createElement("p");
      meta.className = "chat-meta";
      var name = document.createElement("span");
      name.className = "chat-who";
      name.textContent = who(message);
      var time = document.createElement("time");
      time.setAttribute("datetime", message.at);
      time.textContent = clock(message.at);
      meta.appendChild(name);
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(time);
      var body = document.createElement("p");
      body.className = "chat-text";
      body.textContent = message.text; // the other side's words are text, never markup
      item.appendChild(meta);
      item.appendChild(body);
      var next = null;
      var items = log.querySelectorAll("[data-id]");
      for (var i = 0; i < items.length; i++) {
        if (parseInt(items[i].getAttribute("data-id"), 10) > message.id) { next = items[i]; break; }
      }
      log.insertBefore(item, next);
      if (message.id > last) last = message.id;
      if (empty) empty.hidden = true;
      if (message.author !== viewer) signal();
      return true;
    }

    function signal() {
      if (document.visibilityState !== "hidden") return;
      unread += 1;
      document.title = "(" + unread + ") " + text("new") + " — " + baseTitle;
    }

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        unread = 0;
        document.title = baseTitle;
        catchUp(); // a phone may have frozen the tab and its stream
      }
    });

    function showState(state) {
      if (!state) return;
      status = state.status;
      if (stateBox && state.text) {
        stateBox.textContent = state.text;
        stateBox.className = "chat-state is-" + state.status;
      }
      if (viewer === "expert" && (state.status !== initialStatus || state.status === "deleted")) {
        window.location.reload(); // the forms a coordinator may use have changed
        return;
      }
      if (state.status === "closed") {
        stop();
        if (form) {
          Array.prototype.forEach.call(form.querySelectorAll("textarea, button"), function (el) { el.disabled = true; });
        }
      }
    }

    function setConnection(message) {
      if (!connection) return;
      connection.textContent = message;
      connection.hidden = !message;
    }

    function catchUp() {
      return getJSON(withAfter(messagesUrl, last))
        .then(function (body) {
          (body.messages || []).forEach(add);
          showState(body.state);
          setConnection("");
        })
        .catch(function () { setConnection(text("offline")); });
    }

    function startPolling() {
      if (pollTimer || status === "closed") return;
      pollTimer = window.setInterval(catchUp, POLL_MS);
      catchUp();
    }

    function stopPolling() {
      if (pollTimer) window.clearInterval(pollTimer);
      pollTimer = null;
    }

    function stop() {
      stopPolling();
      if (retryTimer) window.clearTimeout(retryTimer);
      if (source) source.close();
      source = null;
    }

    function connect() {
      retryTimer = null;
      if (status === "closed") return;
      if (!window.EventSource) { startPolling(); return; }
      if (source) source.close();
      // Later reconnects of this EventSource send Last-Event-ID, which the server prefers.
      source = new EventSource(withAfter(eventsUrl, last));
      source.addEventListener("message", function (event) {
        try { add(JSON.parse(event.data)); } catch (e) { /* a broken event: the next catch-up has it */ }
      });
      source.addEventListener("status", function (event) {
        try { showState(JSON.parse(event.data)); } catch (e) { /* ignore */ }
      });
      source.addEventListener("open", function () {
        if (offlineTimer) window.clearTimeout(offlineTimer);
        offlineTimer = null;
        setConnection("");
        stopPolling();
      });
      source.addEventListener("error", function () {
        if (source && source.readyState === 2) {
          // Refused (server busy, the conversation ended): poll, and try the stream later.
          source = null;
          if (status !== "closed") {
            startPolling();
            retryTimer = window.setTimeout(connect, STREAM_RETRY_MS);
          }
        } else if (!offlineTimer) {
          // The browser reconnects by itself (the server ends each stream after a while).
          offlineTimer = window.setTimeout(function () {
            offlineTimer = null;
            if (!source || source.readyState !== 1) setConnection(text("offline"));
          }, OFFLINE_AFTER_MS);
        }
      });
    }

    window.addEventListener("online", function () {
      catchUp();
      if (!source && !retryTimer) connect();
    });

    if (form) {
      var textarea = form.querySelector("textarea");
      var button = form.querySelector("button[type=submit]");
      var errorBox = form.querySelector("[data-chat-error]");
      var tokenField = form.querySelector("input[name=csrf_token]");
      var keyField = form.querySelector("input[name=key]");
      var showError = function (message) {
        if (!errorBox) return;
        errorBox.textContent = message;
        errorBox.hidden = !message;
      };
      form.addEventListener("submit", function (event) {
        if (!window.fetch || !window.FormData) return; // the plain form
        event.preventDefault();
        var data = new FormData(form);
        button.disabled = true;
        fetch(form.action, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRFToken": tokenField ? tokenField.value : "" }
        })
          .then(function (response) {
            return response.json().then(function (body) { return { ok: response.ok, body: body }; });
          })
          .then(function (result) {
            if (result.ok) {
              add(result.body);
              textarea.value = "";
              showError("");
              if (keyField) keyField.value = randomKey(); // the next message is a new one
            } else {
              showError((result.body && result.body.error && result.body.error.message) || text("failed"));
            }
          })
          .catch(function () {
            // Sent or not, a retry with the same key is stored once.
            showError(text("failed"));
          })
          .then(function () {
            button.disabled = status === "closed";
            textarea.focus();
          });
      });
    }

    connect();
  }

  function Queue(root) {
    var body = root.querySelector("[data-chat-queue-body]");
    var eventsUrl = root.getAttribute("data-events");
    var fragmentUrl = root.getAttribute("data-fragment");
    var minutes = root.getAttribute("data-text-minutes") || "%s";
    var baseTitle = document.title;
    var known = null;
    var source = null;
    var pollTimer = null;
    var audio = null;

    function beep() {
      try {
        var Context = window.AudioContext || window.webkitAudioContext;
        if (!Context) return;
        audio = audio || new Context();
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.frequency.value = 880;
        gain.gain.value = 0.1;
        oscillator.connect(gain);
        gain.connect(audio.destination);
        oscillator.start();
        oscillator.stop(audio.currentTime + 0.2);
      } catch (e) { /* no sound: the title still says it */ }
    }

    function tick() {
      var now = Date.now();
      Array.prototype.forEach.call(body.querySelectorAll("[data-chat-since]"), function (cell) {
        var since = Date.parse(cell.getAttribute("data-chat-since"));
        if (!isNaN(since)) cell.textContent = minutes.replace("%s", String(Math.max(0, Math.floor((now - since) / 60000))));
      });
    }

    function swap(html) {
      // Keep the keyboard where it was: refocus the same row's first control.
      var active = document.activeElement;
      var row = active && body.contains(active) ? active.closest("[id]") : null;
      body.innerHTML = html; // our own server-rendered, escaped fragment
      tick();
      if (row) {
        var again = document.getElementById(row.id);
        var target = again && again.querySelector("button, a");
        if (target) target.focus();
      }
    }

    function reload() {
      fetch(fragmentUrl, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) swap(html); })
        .catch(function () { /* next change or poll */ });
    }

    function onQueue(state) {
      var waiting = state.waiting || [];
      var fresh = known !== null && waiting.some(function (id) { return !known[id]; });
      known = {};
      waiting.forEach(function (id) { known[id] = true; });
      document.title = (waiting.length ? "(" + waiting.length + ") " : "") + baseTitle;
      if (fresh) beep();
      reload();
    }

    function connect() {
      if (!window.EventSource) { pollTimer = window.setInterval(reload, 10000); return; }
      source = new EventSource(eventsUrl);
      source.addEventListener("queue", function (event) {
        try { onQueue(JSON.parse(event.data)); } catch (e) { /* ignore */ }
      });
      source.addEventListener("open", function () {
        if (pollTimer) window.clearInterval(pollTimer);
        pollTimer = null;
      });
      source.addEventListener("error", function () {
        if (source.readyState === 2) {
          source = null;
          if (!pollTimer) pollTimer = window.setInterval(reload, 10000);
          window.setTimeout(connect, STREAM_RETRY_MS);
        }
      });
    }

    window.setInterval(tick, 30000);
    connect();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-chat]"), Conversation);
  Array.prototype.forEach.call(document.querySelectorAll("[data-chat-queue]"), Queue);
})();
