// Reads its <turbo-frame> again every few seconds while the page is on screen: for what changes without any stream
// telling this page (a queued job's time to start moves with other people's jobs). The first read sets the frame's
// src, so a page that is left before then costs nothing.
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static values = { url: String, seconds: { type: Number, default: 10 } }

  connect() {
    this.timer = setInterval(() => this.read(), this.secondsValue * 1000)
  }

  disconnect() {
    clearInterval(this.timer)
  }

  read() {
    if (document.hidden) return
    if (this.element.getAttribute("src") === this.urlValue) this.element.reload()
    else this.element.src = this.urlValue
  }
}
