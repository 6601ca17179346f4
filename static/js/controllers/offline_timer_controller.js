// The timer without a connection (issue 24). A start or stop form (data-offline-timer="start" or "stop") that
// never reached the server is kept on this device, with the moment it was made, in localStorage (per person). The
// header shows the timer as the queue leaves it and how many changes wait; the queue is sent to
// /time-logs/timer/sync (app/time_tracking/offline_sync.py, which applies each at its own time) as soon as the
// server answers again: when the browser says it is back online, and every few seconds while anything waits.
// Then the page is visited again, with the server's word on each change in its messages.
import { Controller } from "@hotwired/stimulus"

const RETRY_MS = 5000

export default class extends Controller {
  static values = { user: Number, syncUrl: String, startUrl: String }
  static targets = ["status"]

  connect() {
    this.render()
    this.retry = setInterval(() => this.sync(), RETRY_MS)
    this.sync()
  }

  disconnect() {
    clearInterval(this.retry)
  }

  get key() {
    return `timeboard:offline-timer:${this.userValue}`
  }

  get queue() {
    try {
      return JSON.parse(localStorage.getItem(this.key)) || []
    } catch (error) {
      return []
    }
  }

  set queue(actions) {
    if (actions.length) localStorage.setItem(this.key, JSON.stringify(actions))
    else localStorage.removeItem(this.key)
  }

  // turbo:submit-start: when a timer form was sent is when the person started or stopped
  submitted(event) {
    const form = event.target
    if (form.dataset?.offlineTimer) form.dataset.sentAt = new Date().toISOString()
  }

  // turbo:submit-end: a timer form the server never answered (no connection, or the server is unreachable) is
  // queued; one it answered, even with an error, is the server's to decide
  finished(event) {
    const form = event.target
    const kind = form.dataset?.offlineTimer
    if (!kind || event.detail.success || event.detail.fetchResponse) return
    const action = this.action(kind, form.dataset.sentAt)
    if (kind === "start") {
      const data = new FormData(form)
      const select = form.querySelector("select[name=project_id]")
      if (!data.get("project_id")) return
      Object.assign(action, {
        project_id: data.get("project_id"), task_id: data.get("task_id") || "", tag_ids: data.getAll("tag_ids"),
        description: data.get("description") || "", project: select?.selectedOptions[0]?.textContent.trim() || "",
      })
    }
    this.add(action)
  }

  // the Stop button of a timer started offline
  stop() {
    this.add(this.action("stop"))
    this.sync()
  }

  // signing out: the page kept for offline use is this person's, so it goes
  forget() {
    if ("caches" in window) caches.delete("timeboard-pages")
  }

  action(kind, at) {
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
    return { id, kind, at: at || new Date().toISOString() }
  }

  add(action) {
    this.queue = [...this.queue, action]
    this.render()
  }

  async sync() {
    if (!this.queue.length || this.syncing) return
    this.syncing = true
    try {
      // one tab at a time sends the queue (the server also refuses nothing twice: offline_sync.py)
      if (navigator.locks) await navigator.locks.request(this.key, () => this.send())
      else await this.send()
    } catch (error) {
      // still unreachable: the next try is in a few seconds, or when the browser says it is back online
    } finally {
      this.syncing = false
      this.render()
    }
  }

  async send() {
    const actions = this.queue
    if (!actions.length) return
    // signed in still (else the sign-in redirect), and a token of this session: this page may be a kept copy
    const probe = await fetch(this.syncUrlValue, { headers: { Accept: "application/json" }, redirect: "manual" })
    this.signedOut = probe.type === "opaqueredirect" || probe.status === 401
    if (!probe.ok) return
    const { csrf_token: token } = await probe.json()
    const response = await fetch(this.syncUrlValue, {
      method: "POST", redirect: "manual", body: JSON.stringify({ actions }),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
    })
    if (!response.ok) return
    const { results } = await response.json()
    const answered = new Set(results.map((result) => result.id))
    this.queue = this.queue.filter((action) => !answered.has(action.id))
    window.Turbo.visit(window.location.href, { action: "replace" })
  }

  render() {
    const queue = this.queue
    document.body.toggleAttribute("data-offline-pending", queue.length > 0)
    if (!this.hasStatusTarget) return
    const status = this.statusTarget
    status.hidden = queue.length === 0
    status.replaceChildren()
    if (!queue.length) return
    const last = queue[queue.length - 1]
    if (last.kind === "start") {
      const running = this.element.ownerDocument.createElement("span")
      running.className = "timer-running"
      running.dataset.controller = "timer"
      running.dataset.timerStartValue = last.at
      running.append(this.text("span", last.project, "timer-project", "offline-project"),
        this.text("span", "", "timer-elapsed", "offline-elapsed"))
      running.lastChild.dataset.timerTarget = "elapsed"
      const stop = this.text("button", "Stop", "button small danger", "offline-stop")
      stop.type = "button"
      stop.dataset.action = "offline-timer#stop"
      status.append(running, stop)
    } else {
      const when = new Date(last.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      status.append(this.text("span", `Stopped at ${when}`, "offline-stopped", "offline-stopped"))
      const again = this.text("a", "Start…", "button small", "offline-start")
      again.href = this.startUrlValue
      status.append(again)
    }
    const count = queue.length === 1 ? "1 change" : `${queue.length} changes`
    status.append(this.text("span", this.signedOut ? `Sign in to send ${count}` : `${count} waiting to sync`,
      "badge offline-pending", "offline-pending"))
  }

  text(tag, content, className, testId) {
    const element = this.element.ownerDocument.createElement(tag)
    element.className = className
    element.dataset.testid = testId
    element.textContent = content
    return element
  }
}
