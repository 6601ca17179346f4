// The header's Start menu: a search box that filters the project select as one types (the first match is chosen,
// Enter starts it), focus on the search when the menu opens, and an inline "choose a project" instead of a request
// when nothing is chosen. Without JavaScript the select and the server's 422 do the same. The message comes from the
// page (data-start-picker-choose-value, in the person's language); English when absent.
import { Controller } from "@hotwired/stimulus"

const CHOOSE = "Choose a project to start the timer on."

export default class extends Controller {
  static targets = ["query", "select", "message"]
  static values = { choose: { type: String, default: CHOOSE } }

  connect() {
    this.queryTarget.hidden = false
    this.toggled = () => { if (this.element.open) this.queryTarget.focus() }
    this.element.addEventListener("toggle", this.toggled)
  }

  disconnect() {
    this.element.removeEventListener("toggle", this.toggled)
  }

  filter() {
    const words = this.queryTarget.value.trim().toLowerCase().split(/\s+/).filter(Boolean)
    let first = null
    for (const option of this.selectTarget.options) {
      if (!option.value) continue
      const name = option.textContent.toLowerCase()
      const match = words.every((word) => name.includes(word))
      option.hidden = !match
      if (match && !first) first = option
    }
    this.selectTarget.value = words.length && first ? first.value : ""
    this.hideMessage()
  }

  key(event) {
    if (event.key === "Escape") {
      this.element.open = false
    }
  }

  chosen() {
    this.hideMessage()
  }

  check(event) {
    if (this.selectTarget.value) return
    event.preventDefault()
    this.messageTarget.textContent = this.chooseValue
    this.messageTarget.hidden = false
    this.queryTarget.focus()
  }

  hideMessage() {
    if (this.selectTarget.value) this.messageTarget.hidden = true
  }
}
