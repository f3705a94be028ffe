// Help Locator's service worker, written by hand and served as /sw.js by
// locator/offline/views.py, which fills in SETTINGS and the version.
//
// Pages: the network first; when it fails (or the server answers 502-504), the copy
// this browser saved, marked "saved …, may be out of date"; with no copy, the offline
// page. Static files: from the cache first (their URLs carry their content version).
// Nothing personal is stored: no POST, no coordinators' or chat pages, no answer
// marked private or no-store, nothing from another host, nothing from the API.
"use strict";

const SETTINGS = {{ settings }};
const VERSION = "__VERSION__";
const ROOT = SETTINGS.root;
const PREFIX = "locator:" + ROOT + ":";
const SHELL = PREFIX + "shell-" + VERSION;
const PAGES = PREFIX + "pages";
const MAX_PAGES = 60;
const REFRESH_OFFLINE_MS = 12 * 3600 * 1000;
const VERSIONED = new RegExp("^" + escapeRegExp(SETTINGS.static) + "[0-9a-f]{12}/");

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function startsWithAny(path, prefixes) {
  return prefixes.some(function (prefix) { return path.startsWith(prefix); });
}

function fetchAnonymously(url) {
  // Without cookies: the offline page must not change this visitor's language cookie.
  return fetch(new Request(url, { credentials: "omit" }));
}

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const cache = await caches.open(SHELL);
    await cache.addAll(SETTINGS.shell);
    for (const url of Object.values(SETTINGS.offline)) {
      const response = await fetchAnonymously(url);
      if (response.ok) await cache.put(url, response);
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX + "shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(ROOT)) return;
  if (request.method !== "GET") {
    // A form sent without a connection: say so instead of the browser's error page.
    if (request.mode === "navigate") {
      event.respondWith(fetch(request).catch(function () { return notSent(request); }));
    }
    return;
  }
  if (startsWithAny(url.pathname, SETTINGS.private) || startsWithAny(url.pathname, SETTINGS.notStored)) return;
  if (url.pathname.startsWith(SETTINGS.static)) {
    event.respondWith(staticFile(request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event, request, url));
  }
});

// The page that installed the worker was loaded before the worker controlled it: it
// asks to be saved too (static/js/offline.js). The HTTP cache answers, or a 304.
self.addEventListener("message", function (event) {
  const data = event.data || {};
  if (data.type !== "save-page" || typeof data.url !== "string") return;
  const url = new URL(data.url, self.location.href);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(ROOT)) return;
  if (startsWithAny(url.pathname, SETTINGS.private) || startsWithAny(url.pathname, SETTINGS.notStored)) return;
  if (url.pathname.startsWith(SETTINGS.static)) return;
  event.waitUntil((async function () {
    const response = await fetch(url.href, { credentials: "same-origin" });
    if (storable(response)) await store(await caches.open(PAGES), url, response);
  })().catch(function () { /* offline again: nothing to save */ }));
});

// ---- static files -------------------------------------------------------------------

async function staticFile(request, url) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  try {
    const response = await fetch(request);
    // Only a URL whose version the server vouched for (immutable) is kept.
    if (response.ok && /immutable/.test(response.headers.get("Cache-Control") || "")) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    // Offline, asked for another version of a file we have (a page saved before a
    // deployment, or the map's site-versioned URLs): today's copy of the same file.
    const same = await sameFile(cache, url);
    if (same) return same;
    throw error;
  }
}

function fileName(path) {
  const rest = path.slice(SETTINGS.static.length);
  return VERSIONED.test(path) ? rest.slice(13) : rest;
}

async function sameFile(cache, url) {
  const wanted = fileName(url.pathname);
  for (const key of await cache.keys()) {
    const keyUrl = new URL(key.url);
    if (keyUrl.pathname.startsWith(SETTINGS.static) && fileName(keyUrl.pathname) === wanted) {
      return cache.match(key);
    }
  }
  return undefined;
}

// ---- pages --------------------------------------------------------------------------

async function page(event, request, url) {
  const cache = await caches.open(PAGES);
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    return (await savedPage(cache, url)) || (await offlinePage(cache, url)) || Response.error();
  }
  if (response.status >= 502 && response.status <= 504) {
    const saved = await savedPage(cache, url);
    if (saved) return saved;
  }
  if (storable(response)) {
    event.waitUntil(store(cache, url, response.clone()).then(refreshOffline));
  }
  return response;
}

function storable(response) {
  const type = response.headers.get("Content-Type") || "";
  const policy = response.headers.get("Cache-Control") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected &&
    type.startsWith("text/html") && !/no-store|private/i.test(policy);
}

function pageKey(url) {
  const key = new URL(url.href);
  key.hash = "";
  return key.href;
}

async function store(cache, url, response) {
  const html = await response.text();
  const savedAt = new Date().toISOString();
  const title = (html.match(/<title>([^<]*)<\/title>/) || ["", ""])[1].trim();
  const lang = (html.match(/<html lang="([a-z-]+)"/) || ["", ""])[1];
  // The copy shows its "saved …, may be out of date" line (templates/offline/_saved_note.html).
  const marked = html.replace("data-saved-note hidden", 'data-saved-note data-saved-at="' + savedAt + '"');
  const headers = new Headers({
    "Content-Type": response.headers.get("Content-Type"),
    "X-Saved-At": savedAt,
    "X-Saved-Title": encodeURIComponent(title),
    "X-Saved-Lang": lang,
  });
  await cache.put(pageKey(url), new Response(marked, { status: 200, headers: headers }));
  await trim(cache);
}

async function trim(cache) {
  const keys = await cache.keys();
  if (keys.length <= MAX_PAGES) return;
  const dated = [];
  for (const key of keys) {
    const hit = await cache.match(key);
    dated.push([hit ? hit.headers.get("X-Saved-At") || "" : "", key]);
  }
  dated.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
  for (const [, key] of dated.slice(0, keys.length - MAX_PAGES)) await cache.delete(key);
}

async function savedPage(cache, url) {
  const hit = await cache.match(pageKey(url));
  if (hit) return hit;
  if (url.searchParams.has("lang")) {
    const plain = new URL(url.href);
    plain.searchParams.delete("lang");
    return cache.match(pageKey(plain));
  }
  return undefined;
}

async function lastLanguage(cache, url) {
  const asked = url.searchParams.get("lang");
  if (SETTINGS.languages.includes(asked)) return asked;
  let newest = "";
  let lang = "";
  for (const key of await cache.keys()) {
    const hit = await cache.match(key);
    const at = hit ? hit.headers.get("X-Saved-At") || "" : "";
    if (at > newest && SETTINGS.languages.includes(hit.headers.get("X-Saved-Lang"))) {
      newest = at;
      lang = hit.headers.get("X-Saved-Lang");
    }
  }
  if (lang) return lang;
  const browser = (self.navigator.language || "").slice(0, 2);
  return SETTINGS.languages.includes(browser) ? browser : SETTINGS.languages[0];
}

async function offlinePage(cache, url) {
  const lang = await lastLanguage(cache, url);
  return caches.match(SETTINGS.offline[lang], { cacheName: SHELL });
}

let lastRefresh = 0;

async function refreshOffline() {
  // The offline page carries the hotlines and two weeks of the chat's hours: renew it.
  if (Date.now() - lastRefresh < 3600 * 1000) return;
  lastRefresh = Date.now();
  const cache = await caches.open(SHELL);
  for (const url of Object.values(SETTINGS.offline)) {
    const hit = await cache.match(url);
    const date = hit ? Date.parse(hit.headers.get("Date") || "") : NaN;
    if (!(Date.now() - date < REFRESH_OFFLINE_MS)) {
      try {
        const response = await fetchAnonymously(url);
        if (response.ok) await cache.put(url, response);
      } catch (error) {
        return;
      }
    }
  }
}

// ---- forms sent offline -------------------------------------------------------------

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

async function rememberNotSent(url) {
  // The page's script keeps the draft of a form the worker could not send.
  const cache = await caches.open(PREFIX + "meta");
  const key = new URL(ROOT + "__failed-posts", self.location.href).href;
  const old = await cache.match(key);
  const list = (old ? await old.json() : []).concat([{ url: url, at: Date.now() }]).slice(-10);
  await cache.put(key, new Response(JSON.stringify(list), { headers: { "Content-Type": "application/json" } }));
}

async function notSent(request) {
  await rememberNotSent(request.url);
  const lang = await lastLanguage(await caches.open(PAGES), new URL(request.referrer || request.url));
  const text = SETTINGS.texts[lang];
  const back = request.referrer && new URL(request.referrer).origin === self.location.origin
    ? request.referrer : ROOT;
  const html = "<!doctype html><html lang=\"" + lang + "\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>" + escapeHtml(text.title) + "</title>" +
    "<link rel=\"stylesheet\" href=\"" + escapeHtml(SETTINGS.shell[0]) + "\"></head><body>" +
    "<main class=\"wrap\"><h1>" + escapeHtml(text.title) + "</h1><p>" + escapeHtml(text.body) + "</p>" +
    "<p><a href=\"" + escapeHtml(back) + "\">" + escapeHtml(text.back) + "</a></p></main></body></html>";
  return new Response(html, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}
