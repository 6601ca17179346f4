// One WebSocket per page, subscribed to the page's topics: to the stream gateway named by
// <meta name="stream-url"> (absolute ws(s):// URL), or else to this origin's /turbo-stream.
// turbo-flask's own snippet opens one socket and never reopens it; this controller reconnects with
// backoff (and at once when the tab becomes visible again), and shows the state in its element
// ("live" once the server confirms the subscription, "reconnecting" otherwise, "paused" while the
// server has lost Redis and so receives no updates). Each time the socket is confirmed live it
// dispatches `stream-source:live` (the dashboard catches up on the first one).
// The socket resumes (app/live/history.py): it asks for what was published since the page's offset
// (<meta name="stream-offset">, what the page was rendered current to) or, on a reconnect, since the last
// offset it applied (the gateway writes one before each stream). The gateway sends what was missed, then
// "live" and how it resumed: caught up, or refreshed (a Turbo 8 page refresh, when the history no longer
// reaches back); the status then says which. A page without an offset (rendered while Redis was lost), or
// "live" again after a pause, refreshes as before. A morph leaves this element alone: the socket's state is
// not the server's. The gateway marks a sample of streams to acknowledge once applied ("ack <id>" on the socket):
// its latency histogram runs from publish to applied in the browser.
// The words it shows come from the page, in the reader's language (the *-text values, rendered with _() in
// templates/layouts/base.html); the gateway's own "live" and "live updates paused", the same for every socket,
// are replaced by them as they arrive. English when a value is absent.
import { Controller } from "@hotwired/stimulus"

// The offset of the last stream this page applied, in its page's epoch: {epoch, id} with id "<ms>-<seq>"
let applied = null
const parseId = (id) => {
  const match = /^(\d+)-(\d+)$/.exec(id || "")
  return match ? [BigInt(match[1]), BigInt(match[2])] : null
}
const newer = (a, b) => {
  const [x, y] = [parseId(a), parseId(b)]
  return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1])
}
const pageOffset = () => {
  const [epoch, id] = (document.querySelector('meta[name="stream-offset"]')?.content || "").split(":")
  return epoch && parseId(id) ? { epoch, id } : null
}
let openSocket = null // the page's socket, for acknowledgements
window.Turbo.StreamActions.offset = function () {
  // a sampled stream: say when it is applied (the elements that follow this one run in the same frame, first)
  const ack = this.getAttribute("ack")
  const socket = openSocket
  if (ack && socket) setTimeout(() => { if (socket.readyState === WebSocket.OPEN) socket.send(`ack ${ack}`) }, 0)
  const id = this.getAttribute("offset")
  const page = pageOffset()
  if (!page || !parseId(id)) return
  if (!applied || applied.epoch !== page.epoch || newer(id, applied.id)) applied = { epoch: page.epoch, id }
}
window.Turbo.StreamActions.resumed = function () {
  window.dispatchEvent(new CustomEvent("stream-source:resumed", { detail: { result: this.getAttribute("result") } }))
}

// Whether a visit or a form submission is under way. A page refresh then would race it: Turbo starts the refresh's
// visit even mid-submission, and a visit stops the submission, so its redirect is dropped and the refresh renders
// this page with the flash meant for the next one, or with none at all when the refresh asked first. Turbo marks the
// form aria-busy during its submission, but a stream may replace the form meanwhile (a Retry's own job row, which its
// request just requeued), and then nothing in the document says so; and it leaves <html> aria-busy after a visit it
// stopped. So: the submissions in flight are remembered themselves, each until it ends (turbo:submit-end reaches
// <html> when its form has left the document); one that was answered with a page stays "landing" until that page
// has loaded (Turbo proposes the visit a moment after the submission ends); a visit is Turbo's current one.
// A submission answered with an error (a 422 form, a 409 "already retried") shows that answer in place of the
// page, at the same URL: no refresh may replace it until the person moves on (a visit, or a form sent again).
const submitting = new Set()
const LANDING_TIMEOUT_MS = 5000 // never wait longer for a submission's page than this
let landing = null
let answered = false
const STREAM_TYPE = "text/vnd.turbo-stream.html"
document.addEventListener("turbo:submit-start", (event) => {
  submitting.add(event.detail.formSubmission)
  answered = false
}, { capture: true })
document.addEventListener("turbo:submit-end", (event) => {
  submitting.delete(event.detail.formSubmission)
  const { success, fetchResponse } = event.detail
  if (fetchResponse && !success) {
    answered = true
    clearTimeout(refreshTimer) // a refresh about to run would wipe the answer too
    dueRefresh = deferredRefresh = null
  } else if (success && !fetchResponse.contentType?.startsWith(STREAM_TYPE)) {
    clearTimeout(landing)
    landing = setTimeout(landed, LANDING_TIMEOUT_MS)
  } else {
    setTimeout(runDeferredRefresh, 0) // a Turbo Stream answer (nothing follows), or nothing rendered at all
  }
}, { capture: true })
// turbo:load comes while Turbo still counts the visit as current (it would ignore a refresh): look just after it
function landed() {
  clearTimeout(landing)
  landing = null
  setTimeout(runDeferredRefresh, 0)
}
document.addEventListener("turbo:load", landed)
document.addEventListener("turbo:visit", () => { answered = false })
const busy = () => Boolean(window.Turbo.session.navigator.currentVisit) || submitting.size > 0 || landing !== null ||
  answered

// The server's <turbo-stream action="refresh"> (a report done, a job's state) takes the same care, when it would
// run: Turbo debounces a burst of refreshes (150 ms) and looks at nothing when the time is up, so a form submitted
// within those 150 ms was stopped all the same. The debounce is ours instead, and it looks when it ends. A refresh
// that finds the page busy waits for it: the page the submission lands on may have been rendered before the change
// the refresh announces (a job that ran while its Retry's redirect was on its way), so it runs once that page has
// loaded, if it is the same page (another page was rendered after the change anyway).
// Of several refreshes in a burst, or waiting, one runs; not the echo of this page's own request (Turbo ignores a
// refresh carrying the id of a request it sent lately) when another came from elsewhere, or that change is never shown.
const REFRESH_DEBOUNCE_MS = 150
const turboRefresh = window.Turbo.StreamActions.refresh
let refreshTimer
let dueRefresh = null
let deferredRefresh = null // {url, requestId, run}: the page it was meant for, what caused it, how it refreshes
const echo = (request) => Boolean(request.requestId) && window.Turbo.session.recentRequests.has(request.requestId)
const rather = (held, next) => (held && echo(next) && !echo(held) ? held : next)
window.Turbo.session.pageRefreshDebouncePeriod = 0
window.Turbo.StreamActions.refresh = function () {
  clearTimeout(refreshTimer)
  dueRefresh = rather(dueRefresh, { url: document.baseURI, requestId: this.requestId, run: () => turboRefresh.call(this) })
  refreshTimer = setTimeout(() => {
    const request = dueRefresh
    dueRefresh = null
    runRefresh(request)
  }, REFRESH_DEBOUNCE_MS)
}
function runRefresh(request) {
  if (busy()) {
    if (!answered) {
      deferredRefresh = rather(deferredRefresh, request)
      lookAgain()
    }
    return
  }
  const chosen = deferredRefresh ? rather(deferredRefresh, request) : request // one held may be the one that counts
  deferredRefresh = null
  if (chosen.url === document.baseURI) chosen.run()
}
// Besides the events that end a busy spell (a submission's end, a page's load), a held refresh looks again every
// LOOK_AGAIN_MS while it is held: a spell that ends some other way (a visit Turbo drops) never strands it.
const LOOK_AGAIN_MS = 250
let lookTimer = null
function lookAgain() {
  if (lookTimer === null) lookTimer = setTimeout(() => { lookTimer = null; runDeferredRefresh() }, LOOK_AGAIN_MS)
}
function runDeferredRefresh() {
  if (!deferredRefresh) return
  if (busy()) lookAgain()
  else runRefresh(deferredRefresh)
}

export default class extends Controller {
  static values = {
    topics: Array,
    liveText: { type: String, default: "live" },
    pausedText: { type: String, default: "live updates paused" },
    reconnectingText: { type: String, default: "reconnecting" },
    caughtUpText: { type: String, default: "live, caught up" },
    caughtUpTitle: { type: String, default: "Reconnected, caught up: nothing was missed" },
    refreshedText: { type: String, default: "live, refreshed" },
    refreshedTitle: { type: String, default: "Reconnected: the page was refreshed" },
  }

  connect() {
    applied = null // a new page: its own offset first
    this.attempt = 0
    this.wasConnected = false
    this.closedByUs = false
    this.onVisible = () => {
      if (document.visibilityState === "visible" && !this.socket) this.open()
      else this.sayVisibility()
    }
    this.onResumed = (event) => this.resumed(event.detail.result)
    this.onStreamRender = (event) => this.translateStatus(event)
    document.addEventListener("visibilitychange", this.onVisible)
    document.addEventListener("turbo:before-stream-render", this.onStreamRender)
    window.addEventListener("stream-source:resumed", this.onResumed)
    this.open()
  }

  disconnect() {
    this.closedByUs = true
    clearTimeout(this.retryTimer)
    document.removeEventListener("visibilitychange", this.onVisible)
    document.removeEventListener("turbo:before-stream-render", this.onStreamRender)
    window.removeEventListener("stream-source:resumed", this.onResumed)
    this.close()
  }

  // Where the socket resumes from: the last offset applied, or the page's own if that is newer (a refresh)
  get since() {
    const page = pageOffset()
    if (!page) return null
    const id = applied && applied.epoch === page.epoch && newer(applied.id, page.id) ? applied.id : page.id
    return `${page.epoch}:${id}`
  }

  open() {
    clearTimeout(this.retryTimer)
    const since = this.since
    this.resuming = since !== null
    const query = this.topicsValue.map((t) => `topic=${encodeURIComponent(t)}`)
    if (since) query.push(`since=${encodeURIComponent(since)}`)
    const socket = new WebSocket(`${this.streamUrl}?${query.join("&")}`)
    this.socket = socket
    openSocket = socket
    window.Turbo.connectStreamSource(socket)
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string" || !event.data.includes('target="stream-status"')) return
      if (event.data.includes("paused")) this.paused()
      else this.confirmed()
    })
    socket.addEventListener("close", () => this.closed(socket))
    socket.addEventListener("open", () => { if (document.visibilityState === "hidden") this.sayVisibility() })
  }

  // The gateway's status stream ("live", "live updates paused") renders, then says it in the page's language
  translateStatus(event) {
    if (event.target.getAttribute("target") !== this.element.id) return
    const render = event.detail.render
    event.detail.render = async (stream) => {
      await render(stream)
      const text = this.element.textContent.trim()
      if (text === "live") this.element.textContent = this.liveTextValue
      else if (text === "live updates paused") this.element.textContent = this.pausedTextValue
    }
  }

  // A page in a background tab gets its updates coalesced every few seconds; visible again, at once
  sayVisibility() {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(document.visibilityState === "hidden" ? "hidden" : "visible")
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
    // "live" again after "paused" (what was published meanwhile never reached Redis' history), or a new socket
    // after a lost one that could not resume (no offset): fetch what was missed meanwhile
    const resync = this.missedUpdates || (this.wasConnected && !this.resuming)
    this.reconnected = this.wasConnected
    this.attempt = 0
    this.wasConnected = true
    this.missedUpdates = false
    this.element.dataset.state = "live"
    this.dispatch("live", { detail: { resync } })
    if (resync) this.refresh()
  }

  // After "live" on a resumed socket: the gateway sent what was missed ("caught-up"), or a refresh ("refreshed")
  resumed(result) {
    this.element.dataset.resumed = result
    if (!this.reconnected) return
    const refreshed = result === "refreshed"
    this.element.textContent = refreshed ? this.refreshedTextValue : this.caughtUpTextValue
    this.element.title = refreshed ? this.refreshedTitleValue : this.caughtUpTitleValue
  }

  // What a <turbo-stream action="refresh"> does, waiting for a visit or a form submission under way
  refresh() {
    const url = document.baseURI
    runRefresh({ url, run: () => window.Turbo.session.refresh(url) })
  }

  keepOnMorph(event) {
    if (event.target === this.element) event.preventDefault()
  }

  closed(socket) {
    window.Turbo.disconnectStreamSource(socket)
    if (this.socket === socket) this.socket = null
    if (this.closedByUs) return
    this.element.textContent = this.reconnectingTextValue
    this.element.dataset.state = "reconnecting"
    this.element.removeAttribute("title")
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
