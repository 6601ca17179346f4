// Copies the text of its "source" target (an input) to the clipboard and says so in its "status" target.
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static targets = ["source", "status"]

  async copy() {
    const text = this.sourceTarget.value
    try {
      await navigator.clipboard.writeText(text)
      this.statusTarget.textContent = "Copied."
    } catch (error) {
      this.sourceTarget.select()  // no clipboard access (plain HTTP): select it for Ctrl-C
      this.statusTarget.textContent = "Selected: press Ctrl-C (⌘-C) to copy."
    }
  }
}
