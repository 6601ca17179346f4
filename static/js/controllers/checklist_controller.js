// A list of checkboxes made searchable (the report form's filters): the search box, hidden without JS, filters
// the options by their label; Enter in it never submits the form, Down moves to the first option shown, and
// Up/Down move between the options shown. The legend counts what is ticked. Without JS the checkboxes alone work.
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static targets = ["search", "list", "none", "count"]
  // "(3 of 5 chosen)" in the page's language (_macros.html checklist renders it with _()); English when absent
  static values = { count: { type: String, default: "({ticked} of {total} chosen)" } }

  connect() {
    if (!this.hasListTarget) return
    this.searchTarget.hidden = false
    this.count()
  }

  get items() {
    return Array.from(this.listTarget.querySelectorAll("li"))
  }

  get shown() {
    return this.items.filter(li => !li.hidden).map(li => li.querySelector("input[type=checkbox]"))
  }

  filter() {
    const words = this.searchTarget.value.trim().toLowerCase().split(/\s+/).filter(Boolean)
    for (const li of this.items) {
      const text = li.textContent.toLowerCase()
      li.hidden = !words.every(word => text.includes(word))
    }
    if (this.hasNoneTarget) this.noneTarget.hidden = this.shown.length > 0
  }

  count() {
    if (!this.hasCountTarget) return
    const ticked = this.items.filter(li => li.querySelector("input:checked")).length
    this.countTarget.textContent = ticked
      ? this.countValue.replace("{ticked}", ticked).replace("{total}", this.items.length) : ""
  }

  searchKey(event) {
    if (event.key === "Enter") {
      event.preventDefault()
      const [only] = this.shown
      if (this.shown.length === 1) { only.click(); this.count() }
    } else if (event.key === "ArrowDown") {
      event.preventDefault()
      const [first] = this.shown
      if (first) first.focus()
    } else if (event.key === "Escape" && this.searchTarget.value) {
      event.preventDefault()
      this.searchTarget.value = ""
      this.filter()
    }
  }

  listKey(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return
    const shown = this.shown
    const at = shown.indexOf(event.target)
    if (at < 0) return
    event.preventDefault()
    if (event.key === "ArrowUp" && at === 0) { this.searchTarget.focus(); return }
    const next = shown[at + (event.key === "ArrowDown" ? 1 : -1)]
    if (next) next.focus()
  }
}
