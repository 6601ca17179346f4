// Ticks a running timer's elapsed time once a second from its ISO start time.
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static values = { start: String }
  static targets = ["elapsed"]

  connect() {
    this.tick()
    this.interval = setInterval(() => this.tick(), 1000)
  }

  disconnect() {
    clearInterval(this.interval)
  }

  tick() {
    const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(this.startValue)) / 1000))
    const h = Math.floor(seconds / 3600)
    const m = String(Math.floor(seconds / 60) % 60).padStart(2, "0")
    const s = String(seconds % 60).padStart(2, "0")
    this.elapsedTarget.textContent = `${h}:${m}:${s}`
  }
}
