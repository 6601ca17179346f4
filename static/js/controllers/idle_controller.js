// With a timer running, notices when the person is away and, on their return, asks what to do with that time
// (keep it, discard it, or stop the timer when they left) in a dialog whose forms post to /time-logs/timer/idle.
// Where the browser allows the Idle Detection API (its permission already granted) it tells; elsewhere "away" is
// no input (pointer, key, touch, scroll) for `minutes`, whether the page is hidden or just untouched. How long one was
// away reads as the page's data-idle-away-format-value ("%(minutes)s min" in the person's language).
import { Controller } from "@hotwired/stimulus"

const INPUTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "scroll"]
const CHECK_EVERY_MS = 15000

export default class extends Controller {
  static values = { minutes: { type: Number, default: 10 }, awayFormat: { type: String, default: "%(minutes)s min" } }
  static targets = ["dialog", "since", "left", "away"]

  connect() {
    this.lastInput = Date.now()
    this.leftAt = null
    this.onInput = () => this.input()
    this.onVisible = () => { if (document.visibilityState === "visible") this.check() }
    INPUTS.forEach((name) => document.addEventListener(name, this.onInput, { capture: true, passive: true }))
    document.addEventListener("visibilitychange", this.onVisible)
    this.interval = setInterval(() => this.check(), CHECK_EVERY_MS)
    this.watchWithIdleDetector()
  }

  disconnect() {
    INPUTS.forEach((name) => document.removeEventListener(name, this.onInput, { capture: true }))
    document.removeEventListener("visibilitychange", this.onVisible)
    clearInterval(this.interval)
    this.abort?.abort()
  }

  get thresholdMs() {
    return Math.max(1, this.minutesValue) * 60000
  }

  // The no-input fallback: once the threshold has passed without input, the person left at their last input.
  check() {
    if (this.leftAt === null && Date.now() - this.lastInput >= this.thresholdMs) this.leftAt = this.lastInput
  }

  input() {
    this.check()
    this.lastInput = Date.now()
    if (this.leftAt !== null && document.visibilityState === "visible") this.ask()
  }

  async watchWithIdleDetector() {
    if (!("IdleDetector" in window) || !navigator.permissions) return
    try {
      const status = await navigator.permissions.query({ name: "idle-detection" })
      if (status.state !== "granted") return
      this.abort = new AbortController()
      const detector = new window.IdleDetector()
      detector.addEventListener("change", () => {
        if (detector.userState === "idle" && this.leftAt === null) this.leftAt = Date.now() - this.thresholdMs
        if (detector.userState === "active" && this.leftAt !== null) this.ask()
      })
      await detector.start({ threshold: Math.max(60000, this.thresholdMs), signal: this.abort.signal })
    } catch {
      // not allowed here: the no-input fallback carries on
    }
  }

  // Closed without an answer (Escape): the time stays as it is, and the watch starts again.
  dismiss() {
    this.leftAt = null
    this.lastInput = Date.now()
  }

  ask() {
    if (!this.hasDialogTarget || this.dialogTarget.open) return
    const left = new Date(this.leftAt)
    this.sinceTargets.forEach((input) => { input.value = left.toISOString() })
    this.leftTarget.textContent = left.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    this.awayTarget.textContent = this.awayFormatValue.replace("%(minutes)s", Math.round((Date.now() - this.leftAt) / 60000))
    this.dialogTarget.showModal()
  }
}
