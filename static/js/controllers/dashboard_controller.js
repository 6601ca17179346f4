// The dashboard page: finishes the progress bar as sections arrive, marks live updates, shows the
// error state when nothing arrives in time, and catches up with the cache once the socket is live.
//
// Sections are Stimulus targets, so a Turbo Stream `replace` of a section reconnects its target:
// a skeleton turning into metrics advances the progress; metrics replaced by newer metrics (a new
// data-computed-at) are a live update: "Updated HH:MM:SS" in the ARIA live region and a short
// highlight of the section (no animation under prefers-reduced-motion, see dashboard.css). Each section's
// "updated 3 min ago" ages while the page stays open, with the server's wording (app/web/helpers.py time_ago).
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static targets = ["section", "loading", "progress", "live", "alert", "timeoutAlert", "age"]
  // texts: the page's wording in its language (data-dashboard-texts-value, rendered with _()); English without it
  static values = { sectionsUrl: String, timeout: { type: Number, default: 15000 }, texts: Object }

  initialize() {
    this.seen = new Map() // section name -> data-computed-at ("" while loading)
    this.booted = false
  }

  connect() {
    for (const el of this.sectionTargets) this.seen.set(el.dataset.section, el.dataset.computedAt || "")
    this.booted = true
    if (this.pendingCount() > 0) {
      this.timer = setTimeout(() => this.timedOut(), this.timeoutValue)
    }
    this.ageTimer = setInterval(() => this.refreshAges(), 20000)
  }

  disconnect() {
    clearInterval(this.ageTimer)
    clearTimeout(this.timer)
    clearTimeout(this.highlightTimer)
  }

  sectionTargetConnected(el) {
    if (!this.booted) return
    const name = el.dataset.section
    const before = this.seen.get(name)
    const now = el.dataset.computedAt || ""
    this.seen.set(name, now)
    if (el.dataset.state !== "ready") return
    if (before && now && before !== now) this.markUpdated(el)
    this.updateProgress()
  }

  refreshAges() {
    for (const el of this.ageTargets) {
      const at = Date.parse(el.getAttribute("title"))
      if (!Number.isNaN(at)) el.textContent = fill(this.text("age"), { ago: timeAgo((Date.now() - at) / 1000, (key) => this.text(key)) })
    }
  }

  text(key) {
    return (this.textsValue && this.textsValue[key]) || ENGLISH[key]
  }

  pendingCount() {
    return [...this.seen.values()].filter((v) => !v).length
  }

  updateProgress() {
    const total = this.seen.size
    const done = total - this.pendingCount()
    if (this.hasProgressTarget) {
      const percent = Math.round((100 * done) / Math.max(1, total))
      this.progressTarget.setAttribute("aria-valuenow", percent)
      const bar = this.progressTarget.querySelector(".progress-bar")
      if (bar) bar.style.width = `${percent}%`
    }
    if (done === total) this.loaded()
  }

  loaded() {
    clearTimeout(this.timer)
    if (this.hasLoadingTarget) this.loadingTarget.remove()
    if (this.hasAlertTarget && this.alertTarget.dataset.timeout) this.alertTarget.replaceChildren()
  }

  timedOut() {
    if (this.pendingCount() === 0 || !this.hasTimeoutAlertTarget || !this.hasAlertTarget) return
    const fresh = this.timeoutAlertTarget.content.firstElementChild.cloneNode(true)
    fresh.dataset.timeout = "true"
    this.alertTarget.replaceWith(fresh)
  }

  markUpdated(el) {
    const at = el.dataset.computedAt ? new Date(el.dataset.computedAt) : new Date()
    const time = [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":")
    if (this.hasLiveTarget) this.liveTarget.textContent = fill(this.text("updated"), { time })
    el.classList.remove("just-updated")
    void el.offsetWidth // restart the highlight when updates come in quick succession
    el.classList.add("just-updated")
    setTimeout(() => el.classList.remove("just-updated"), 2000)
  }

  // On the page's socket's first "live" (stream-source:live), ask for what the cache already holds: a
  // job that finished before the socket opened pushed to nobody. After a reconnect the stream-source
  // controller renders the page again, from the cache, and the new page catches up on its own first "live".
  async catchUp() {
    if (this.caughtUp || !this.sectionsUrlValue) return
    this.caughtUp = true
    try {
      const response = await fetch(this.sectionsUrlValue, { headers: { Accept: "text/vnd.turbo-stream.html" } })
      if (response.ok) window.Turbo.renderStreamMessage(await response.text())
    } catch (error) {
      // offline: the socket's reconnect will reload the page
    }
  }
}

// The server's wording (app/web/helpers.py time_ago), so a section reads the same before and after it ages.
function timeAgo(seconds, text) {
  if (seconds < 45) return text("justNow")
  if (seconds < 90 * 60) return fill(text("minutes"), { count: Math.max(1, Math.round(seconds / 60)) })
  if (seconds < 36 * 3600) return fill(text("hours"), { count: Math.round(seconds / 3600) })
  return fill(text("days"), { count: Math.round(seconds / 86400) })
}

const ENGLISH = {
  updated: "Updated %(time)s",
  age: "updated %(ago)s",
  justNow: "just now",
  minutes: "%(count)s min ago",
  hours: "%(count)s h ago",
  days: "%(count)s days ago",
}

// "%(name)s" placeholders of a translated text, filled in
function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole))
}
