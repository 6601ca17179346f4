// Job monitor: rows update through Turbo Streams; the counts, queue and throughput figures above them are
// per viewer, so instead of streaming them this controller refetches the page (debounced) after streams
// arrive and swaps in the fresh summary sections.
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static targets = ["section"]
  static values = { delay: { type: Number, default: 1500 } }

  connect() {
    this.onStream = () => {
      clearTimeout(this.timer)
      this.timer = setTimeout(() => this.refresh(), this.delayValue)
    }
    document.addEventListener("turbo:before-stream-render", this.onStream)
  }

  disconnect() {
    clearTimeout(this.timer)
    document.removeEventListener("turbo:before-stream-render", this.onStream)
  }

  async refresh() {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } })
    if (!response.ok) return
    const doc = new DOMParser().parseFromString(await response.text(), "text/html")
    for (const section of this.sectionTargets) {
      const fresh = doc.getElementById(section.id)
      if (fresh) section.innerHTML = fresh.innerHTML
    }
  }
}
