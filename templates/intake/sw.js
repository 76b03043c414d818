/* The inspector app's service worker: keeps the app shell for offline use. Submissions
   are not handled here: the page keeps them in IndexedDB and sends them itself.
   Static files with a content hash in their name (production) never change: cache first.
   Others (development serves plain names) may change under the same name: network first,
   the cached copy when offline, so a fixed script reaches the phone. */
const CACHE = "{{ version }}";
const SHELL = {{ assets|safe }};
const HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("ug-inspector") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/inspector/")) {
    event.respondWith(
      fetch(request)
        .then((response) => { const copy = response.clone(); caches.open(CACHE).then((c) => c.put("/inspector/", copy)); return response; })
        .catch(() => caches.match("/inspector/"))
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    if (HASHED.test(url.pathname)) {
      event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
      return;
    }
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(request, copy)); }
          return response;
        })
        .catch(() => caches.match(request).then((hit) => hit || Response.error()))
    );
  }
});
