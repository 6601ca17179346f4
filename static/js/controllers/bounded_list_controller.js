// Keeps a live list (a dashboard's recent activity) at most `max` items long: entries prepended by a stream push
// the oldest ones out, and an "empty" note beside the list goes once the list has an entry.
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static values = { max: { type: Number, default: 8 } }

  connect() {
    this.observer = new MutationObserver(() => this.trim())
    this.observer.observe(this.element, { childList: true })
    this.trim()
  }

  disconnect() {
    this.observer.disconnect()
  }

  trim() {
    while (this.element.children.length > this.maxValue) this.element.lastElementChild.remove()
    const empty = this.element.parentElement && this.element.parentElement.querySelector(".empty")
    if (empty && this.element.children.length > 0) empty.remove()
  }
}
