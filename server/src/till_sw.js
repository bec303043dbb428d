// The till's service worker (issue #15; docs/performance.md "The offline
// till"). It keeps what opens the till without a network: the till page,
// its bundle and the stylesheet. Network first: online, every load is fresh
// and refreshes the copy; only when the server cannot be reached does the
// copy answer. Everything else (the API, other pages) is never touched.
// The server fills in STYLESHEET; the cache's name changes with each build.
const CACHE = 'shopfloor-till-BUILD';
const KEPT = ['/pos', '/pkg/till.js', '/pkg/till.wasm', 'STYLESHEET'];

// The page that registers the worker was loaded before it existed: keep a
// copy of everything at once (a page that is not a signed-in member's till,
// e.g. a redirect to log-in, is simply not kept).
self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(KEPT.map(async (path) => {
      try {
        const response = await fetch(path, { credentials: 'same-origin', redirect: 'manual' });
        if (response.ok) await cache.put(path, response);
      } catch (error) {
        // Offline while installing: kept at the next load.
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Only whole answers (a redirect to log-in is not kept).
    if (response.ok && response.type === 'basic') {
      await cache.put(path, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(path);
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Signing out forgets the kept page: it shows who was signed in.
  if (url.pathname === '/api/auth/logout') {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (request.method !== 'GET' || !KEPT.includes(url.pathname)) return;
  event.respondWith(networkFirst(request, url.pathname));
});
