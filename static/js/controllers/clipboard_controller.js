// Copies the text of its "source" target (an input) to the clipboard and says so in its "status" target, in the
// page's words (the copied and selected values, rendered with _() in the template; English when absent).
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static targets = ["source", "status"]
  static values = {
    copied: { type: String, default: "Copied." },
    selected: { type: String, default: "Selected: press Ctrl-C (⌘-C) to copy." },
  }

  async copy() {
    const text = this.sourceTarget.value
    try {
      await navigator.clipboard.writeText(text)
      this.statusTarget.textContent = this.copiedValue
    } catch (error) {
      this.sourceTarget.select()  // no clipboard access (plain HTTP): select it for Ctrl-C
      this.statusTarget.textContent = this.selectedValue
    }
  }
}
