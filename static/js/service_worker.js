// Timeboard's service worker (served at /service-worker.js: app/web/installable.py). Online it changes nothing a
// page gets: every request goes to the network first. What it keeps is for when the network is gone:
// - the static files pages have used (CSS, scripts, icons), so a kept page still looks and works the same;
// - the last copy of the timer page (/time-logs, as a full load or a Turbo visit fetched it), so the timer can be
//   started and stopped offline (the page queues the change: js/controllers/offline_timer_controller.js); any page
//   seen signed out drops it (js/application.js);
// - /offline, shown for any other page asked for without a connection.
const SHELL = "timeboard-shell-v1"
const PAGES = "timeboard-pages"
const OFFLINE_URL = "/offline"
const KEPT_PAGES = ["/time-logs"]

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll([OFFLINE_URL])).then(() => self.skipWaiting()))
})

self.addEventListener("activate", (event) => {
  const old = (name) => name.startsWith("timeboard-shell-") && name !== SHELL
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter(old).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()))
})

// a page loaded before this worker took over names the static files it used (js/application.js): kept as well
self.addEventListener("message", (event) => {
  const files = (event.data?.keep || []).filter((url) => new URL(url).origin === self.location.origin &&
    new URL(url).pathname.startsWith("/static/"))
  event.waitUntil(caches.open(SHELL).then((cache) => Promise.all(files.map(async (url) => {
    if (!(await cache.match(url))) await cache.add(url).catch(() => {})
  }))))
})

self.addEventListener("fetch", (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== "GET" || url.origin !== self.location.origin) return
  if (request.mode === "navigate" || (KEPT_PAGES.includes(url.pathname) && turboVisit(request))) {
    event.respondWith(page(request, url))
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request))
  }
})

// Turbo Drive fetches the pages it visits (not a navigation to the browser): a whole page, not a frame's
function turboVisit(request) {
  return (request.headers.get("Accept") || "").includes("text/html") && !request.headers.has("Turbo-Frame")
}

async function page(request, url) {
  const kept = KEPT_PAGES.includes(url.pathname)
  try {
    const response = await fetch(request)
    // the page itself, not a filtered or later one; a signed-out visit is redirected to sign in and is not kept
    if (kept && !url.search && response.ok && !response.redirected) {
      await (await caches.open(PAGES)).put(url.pathname, response.clone())
    }
    return response
  } catch (error) {
    const copy = kept ? await (await caches.open(PAGES)).match(url.pathname) : undefined
    if (copy) return copy
    return (request.mode === "navigate" && (await caches.match(OFFLINE_URL))) || Response.error()
  }
}

async function asset(request) {
  const cache = await caches.open(SHELL)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(request, response.clone())
    return response
  } catch (error) {
    return (await cache.match(request)) || Response.error()
  }
}
