// The phone header's menu button: opens and closes the navigation folded into the header (CSS does the rest).
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  toggle() {
    const open = this.element.closest("header").classList.toggle("menu-open")
    this.element.setAttribute("aria-expanded", String(open))
  }
}
