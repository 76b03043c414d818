{% load static %}/* The inspector app's service worker: keeps the app shell and the data its pages show, for
   offline use. Submissions are not handled here: the page keeps them in IndexedDB and
   sends them itself.
   Static files with a content hash in their name (production) never change: cache first.
   Others (development serves plain names) may change under the same name: network first,
   the cached copy when offline, so a fixed script reaches the phone.
   The GET answers the app draws and lists (districts, unit grids, tasks, the whole matter
   and component catalogues): network first, the kept copy when offline. They hold case
   addresses: every "ug-…" cache is deleted when the user signs out (static/common/ug.js).
   Every copy is written inside event.waitUntil, so the worker is not stopped halfway. */
const CACHE = "{{ version }}";
const DATA = "ug-data-v1";
const SHELL = Array.from(new Set({{ assets|safe }}.concat(["{% static 'common/ug.js' %}"])));
const HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

/* Kept under their path alone, one copy each: the last task list (whatever position it
   was sorted for) and the last grids (whatever view they were asked for) still serve
   offline, and the cache does not grow with every position. */
const BY_PATH = ["/api/v1/geo/districts", "/api/v1/geo/grids.geojson", "/api/v1/intake/tasks"];
/* Kept only when asked for whole: a search (?q=…) is not kept; offline the page searches
   the kept catalogue itself. */
const WHOLE = ["/api/v1/catalog/matters", "/api/v1/catalog/components"];

/* The cache key of a GET answer the app keeps, or null. */
function dataKey(url) {
  if (url.origin !== self.location.origin) return null;
  if (BY_PATH.includes(url.pathname)) return url.origin + url.pathname;
  if (WHOLE.includes(url.pathname) && !url.search) return url.href;
  return null;
}

/* Only a real answer is kept: not an error, not a redirect to the sign-in page. */
function keepable(response) { return response.ok && response.type === "basic" && !response.redirected; }

/* Network first: the answer, kept as `key` in `cacheName`; offline, the kept copy. */
function networkFirst(event, cacheName, key) {
  const fetched = fetch(event.request).then((response) => ({ response, copy: keepable(response) ? response.clone() : null }));
  event.respondWith(fetched.then(
    ({ response }) => response,
    () => caches.match(key, { cacheName }).then((hit) => hit || Response.error()),
  ));
  event.waitUntil(fetched.then(
    ({ copy }) => copy && caches.open(cacheName).then((c) => c.put(key, copy)),
    () => undefined,
  ));
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const old = (k) => (k.startsWith("ug-inspector") && k !== CACHE) || (k.startsWith("ug-data") && k !== DATA);
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter(old).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/inspector/")) {
    networkFirst(event, CACHE, "/inspector/");
    return;
  }
  const key = dataKey(url);
  if (key) {
    networkFirst(event, DATA, key);
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    if (HASHED.test(url.pathname)) {
      const found = caches.match(request).then((hit) => hit || fetch(request).then((response) => ({ response, copy: keepable(response) ? response.clone() : null })));
      event.respondWith(found.then((r) => (r instanceof Response ? r : r.response)));
      event.waitUntil(found.then((r) => !(r instanceof Response) && r.copy && caches.open(CACHE).then((c) => c.put(request, r.copy)), () => undefined));
      return;
    }
    networkFirst(event, CACHE, request);
  }
});

/* The page's first visit asked for its data before this worker controlled it: the page
   sends those addresses ({keep: [url, …]}) and the worker fetches and keeps the ones the
   app needs offline. */
self.addEventListener("message", (event) => {
  const urls = (event.data && Array.isArray(event.data.keep)) ? event.data.keep : [];
  event.waitUntil(Promise.all(urls.map((href) => {
    let url;
    try { url = new URL(href, self.location.href); } catch (e) { return undefined; }
    const key = dataKey(url);
    if (!key) return undefined;
    return fetch(url.href, { credentials: "same-origin" })
      .then((response) => keepable(response) && caches.open(DATA).then((c) => c.put(key, response)))
      .catch(() => undefined);
  })));
});
