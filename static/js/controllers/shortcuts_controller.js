// Keyboard shortcuts on every signed-in page (on <body>). Each one clicks or focuses what the page already has,
// marked with data-shortcut="...": n new entry, s stop the timer or open the Start menu, c continue the last
// entry, / focus the page's search box, ? the list of shortcuts. Keys typed in a field or with a modifier
// (other than Shift) are left alone.
import { Controller } from "@hotwired/stimulus"

const ACTIONS = {
  n: (c) => c.click("new-entry"),
  s: (c) => c.click("stop") || c.openStartMenu(),
  c: (c) => c.click("continue-last"),
  "/": (c) => c.focus("search"),
  "?": (c) => c.showHelp(),
}

export default class extends Controller {
  static targets = ["help"]

  key(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return
    if (typing(event.target) || document.querySelector("dialog[open]")) return
    const action = ACTIONS[event.key]
    if (action && action(this)) event.preventDefault()
  }

  find(name) {
    return [...document.querySelectorAll(`[data-shortcut="${name}"]`)].find((el) => el.getClientRects().length > 0 ||
      el.closest("details:not([open])"))
  }

  click(name) {
    const element = this.find(name)
    if (!element) return false
    const menu = element.closest("details")
    if (menu && !menu.open && element.tagName !== "SUMMARY") menu.open = true
    element.click()
    return true
  }

  focus(name) {
    const element = this.find(name)
    if (!element) return false
    element.focus()
    if (element.select) element.select()
    return true
  }

  openStartMenu() {
    const summary = this.find("start")
    if (!summary) return false
    const menu = summary.closest("details")
    if (!menu.open) summary.click()
    return true
  }

  showHelp() {
    if (!this.hasHelpTarget) return false
    this.helpTarget.showModal()
    return true
  }
}

function typing(target) {
  if (!(target instanceof Element)) return false
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)
}
