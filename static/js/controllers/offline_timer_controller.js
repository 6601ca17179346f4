// The timer without a connection (issue 24). A start or stop form (data-offline-timer="start" or "stop") that
// never reached the server is kept on this device, with the moment it was made, in localStorage (per person). The
// header shows the timer as the queue leaves it and how many changes wait; the queue is sent to
// /time-logs/timer/sync (app/time_tracking/offline_sync.py, which applies each at its own time) as soon as the
// server answers again: when the browser says it is back online, and every few seconds while anything waits.
// Then the page is visited again, with the server's word on each change in its messages. The queue is its maker's:
// signed in as someone else (a shared device), it waits for them. Its texts come from the page
// (data-offline-timer-texts-value, a JSON object in the person's language, keys as in TEXTS); English when absent.
import { Controller } from "@hotwired/stimulus"

const RETRY_MS = 5000
const BATCH = 100 // changes a sync sends at most (offline_sync.MAX_ACTIONS)
const TEXTS = {
  stop: "Stop",
  stoppedAt: "Stopped at %(time)s",
  start: "Start…",
  oneChange: "1 change",
  changes: "%(num)s changes",
  signIn: "Sign in to send %(count)s",
  waiting: "%(count)s waiting to sync",
}

export default class extends Controller {
  static values = { user: Number, syncUrl: String, startUrl: String, texts: Object }
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

  // turbo:submit-end: a timer form the server never answered (no connection, or the server is unreachable: the
  // fetch failed with an error) is queued; one it answered, even with an error, is the server's to decide, and one
  // Turbo cancelled (another visit or submission began) was withdrawn by the person
  finished(event) {
    const form = event.target
    const kind = form.dataset?.offlineTimer
    if (!kind || !event.detail.error || event.detail.fetchResponse) return
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

  action(kind, at) {
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
    return { id, kind, at: at || new Date().toISOString() }
  }

  add(action) {
    this.queue = [...this.queue, action]
    this.render()
  }

  async sync() {
    if (!this.queue.length || this.syncing || this.waitsForItsMaker) return
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
    const actions = this.queue.slice(0, BATCH)
    if (!actions.length) return
    // who is signed in, and a token of this session: this page may be a copy the device kept
    const probe = await fetch(this.syncUrlValue, { headers: { Accept: "application/json" }, redirect: "manual" })
    const signedIn = probe.ok ? await probe.json() : null
    if (probe.status === 401 || (signedIn && signedIn.user_id !== this.userValue)) {
      this.waitsForItsMaker = true // until its maker signs in on this device: no more asking every few seconds
      return
    }
    if (!signedIn) return
    const response = await fetch(this.syncUrlValue, {
      method: "POST", redirect: "manual", body: JSON.stringify({ user_id: this.userValue, actions }),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": signedIn.csrf_token },
    })
    if (response.status === 409) {
      this.waitsForItsMaker = true
      return
    }
    if (response.ok) {
      const { results } = await response.json()
      const answered = new Set(results.map((result) => result.id))
      this.queue = this.queue.filter((action) => !answered.has(action.id))
    } else if (response.status >= 400 && response.status < 500) {
      // the server cannot read these (it would refuse them again): they go, and its message says why
      const sent = new Set(actions.map((action) => action.id))
      this.queue = this.queue.filter((action) => !sent.has(action.id))
    } else {
      return // the server is in trouble: the next try is in a few seconds
    }
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
      const stop = this.text("button", this.say("stop"), "button small danger", "offline-stop")
      stop.type = "button"
      stop.dataset.action = "offline-timer#stop"
      status.append(running, stop)
    } else {
      const when = new Date(last.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      status.append(this.text("span", this.say("stoppedAt", { time: when }), "offline-stopped", "offline-stopped"))
      const again = this.text("a", this.say("start"), "button small", "offline-start")
      again.href = this.startUrlValue
      status.append(again)
    }
    const count = queue.length === 1 ? this.say("oneChange") : this.say("changes", { num: queue.length })
    status.append(this.text("span", this.say(this.waitsForItsMaker ? "signIn" : "waiting", { count }),
      "badge offline-pending", "offline-pending"))
  }

  // A text of the page's (English when it gives none), its %(name)s placeholders filled in
  say(key, values = {}) {
    const text = this.textsValue[key] || TEXTS[key]
    return text.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match))
  }

  text(tag, content, className, testId) {
    const element = this.element.ownerDocument.createElement(tag)
    element.className = className
    element.dataset.testid = testId
    element.textContent = content
    return element
  }
}
