// One WebSocket per page, subscribed to the page's topics: to the stream gateway named by
// <meta name="stream-url"> (absolute ws(s):// URL), or else to this origin's /turbo-stream.
// turbo-flask's own snippet opens one socket and never reopens it; this controller reconnects with
// backoff (and at once when the tab becomes visible again), and shows the state in its element
// ("live" once the server confirms the subscription, "reconnecting" otherwise, "paused" while the
// server has lost Redis and so receives no updates). Each time the socket is confirmed live it
// dispatches `stream-source:live` (the dashboard catches up on the first one); after a reconnect, or a
// "live" that follows a pause, it also refreshes the page (a Turbo 8 page refresh: a morph on pages
// whose <meta name="turbo-refresh-method"> asks for one, a fresh render elsewhere) so that no final
// state sent while away is missed. A morph leaves this element alone: the socket's state is not the server's.
import { Controller } from "@hotwired/stimulus"

// Whether a visit or a form submission is under way (Turbo marks <html> or the <form> aria-busy). A page refresh
// then would race it: Turbo starts the refresh's visit even mid-submission, and a visit stops the submission, so
// its redirect is dropped and the refresh renders this page with the flash meant for the next one. The page that
// the visit or submission lands on is fresh anyway.
const busy = () => document.documentElement.hasAttribute("aria-busy") || document.querySelector("form[aria-busy]")

// The server's <turbo-stream action="refresh"> (a report done, a job's state) takes the same care, when it would
// run: Turbo debounces a burst of refreshes (150 ms) and looks at nothing when the time is up, so a form submitted
// within those 150 ms was stopped all the same. The debounce is ours instead, and it looks when it ends.
const REFRESH_DEBOUNCE_MS = 150
const turboRefresh = window.Turbo.StreamActions.refresh
let refreshTimer
window.Turbo.session.pageRefreshDebouncePeriod = 0
window.Turbo.StreamActions.refresh = function () {
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(() => { if (!busy()) turboRefresh.call(this) }, REFRESH_DEBOUNCE_MS)
}

export default class extends Controller {
  static values = { topics: Array }

  connect() {
    this.attempt = 0
    this.wasConnected = false
    this.closedByUs = false
    this.onVisible = () => { if (document.visibilityState === "visible" && !this.socket) this.open() }
    document.addEventListener("visibilitychange", this.onVisible)
    this.open()
  }

  disconnect() {
    this.closedByUs = true
    clearTimeout(this.retryTimer)
    document.removeEventListener("visibilitychange", this.onVisible)
    this.close()
  }

  open() {
    clearTimeout(this.retryTimer)
    const query = this.topicsValue.map((t) => `topic=${encodeURIComponent(t)}`).join("&")
    const socket = new WebSocket(`${this.streamUrl}?${query}`)
    this.socket = socket
    window.Turbo.connectStreamSource(socket)
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string" || !event.data.includes('target="stream-status"')) return
      if (event.data.includes("paused")) this.paused()
      else this.confirmed()
    })
    socket.addEventListener("close", () => this.closed(socket))
  }

  get streamUrl() {
    const named = document.querySelector('meta[name="stream-url"]')?.content
    if (named) return named
    const scheme = location.protocol === "https:" ? "wss" : "ws"
    return `${scheme}://${location.host}/turbo-stream`
  }

  paused() {
    this.missedUpdates = true
    this.element.dataset.state = "paused"
  }

  confirmed() {
    // a new socket after a lost one, or "live" again after "paused": fetch what was missed meanwhile
    const reconnected = this.wasConnected || this.missedUpdates
    this.attempt = 0
    this.wasConnected = true
    this.missedUpdates = false
    this.element.dataset.state = "live"
    this.dispatch("live", { detail: { resync: reconnected } })
    if (reconnected) this.refresh()
  }

  // What a <turbo-stream action="refresh"> does, unless a visit or a form submission is under way
  refresh() {
    if (!busy()) window.Turbo.session.refresh(document.baseURI)
  }

  keepOnMorph(event) {
    if (event.target === this.element) event.preventDefault()
  }

  closed(socket) {
    window.Turbo.disconnectStreamSource(socket)
    if (this.socket === socket) this.socket = null
    if (this.closedByUs) return
    this.element.textContent = "reconnecting"
    this.element.dataset.state = "reconnecting"
    const delay = Math.min(30000, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2)
    this.attempt += 1
    this.retryTimer = setTimeout(() => this.open(), delay)
  }

  close() {
    if (!this.socket) return
    const socket = this.socket
    this.socket = null
    window.Turbo.disconnectStreamSource(socket)
    socket.close()
  }
}
