// The command palette: Ctrl-K / Cmd-K opens a dialog with a search box listing the pages (the navigation's own
// links), actions (what the page marks with data-shortcut: stop, start, continue the last entry, new entry) and
// "Start timer on <project>" for the projects /palette.json lists (only those the person may start). Arrow keys
// move, Enter chooses, Escape closes. Every choice clicks, visits or submits what the page already has.
// Its words come from the page, in the reader's language (the labels value, rendered with _() in
// templates/layouts/base.html: "goTo" and "startOn" hold {page} and {project}); English when absent.
import { Controller } from "@hotwired/stimulus"

const ACTIONS = ["stop", "start", "continue-last", "new-entry"]
const LABELS = {
  goTo: "Go to {page}",
  startOn: "Start timer on {project}",
  stop: "Stop the timer",
  start: "Start a timer…",
  "continue-last": "Continue the last entry",
  "new-entry": "New entry",
}

export default class extends Controller {
  static targets = ["dialog", "input", "list", "start", "project"]
  static values = { url: String, labels: Object }

  label(name, fill = {}) {
    const text = this.labelsValue[name] || LABELS[name]
    return text.replace(/\{(\w+)\}/g, (whole, key) => (key in fill ? fill[key] : whole))
  }

  key(event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== "k") return
    event.preventDefault()
    if (this.dialogTarget.open) this.close()
    else this.open()
  }

  async open() {
    this.inputTarget.value = ""
    this.items = [...this.pages(), ...this.actions()]
    this.dialogTarget.showModal()
    this.inputTarget.focus()
    this.filter()
    const projects = await this.projects()
    if (!this.dialogTarget.open) return
    this.items = [...this.items, ...projects]
    this.filter()
  }

  close() {
    this.dialogTarget.close()
  }

  pages() {
    return [...document.querySelectorAll("nav.nav a[href]")].map((link) => ({
      label: this.label("goTo", { page: link.textContent.trim() }), kind: "page", run: () => this.visit(link.href),
    }))
  }

  actions() {
    return ACTIONS.filter((name) => document.querySelector(`[data-shortcut="${name}"]`)).map((name) => ({
      label: this.label(name), kind: "action", run: () => this.clickShortcut(name),
    }))
  }

  async projects() {
    try {
      const response = await fetch(this.urlValue, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      if (!response.ok) return []
      const data = await response.json()
      return data.projects.map((project) => ({
        label: this.label("startOn", { project: project.name }), hint: project.organization, kind: "project",
        run: () => this.startOn(project.id),
      }))
    } catch (error) {
      return []
    }
  }

  filter() {
    const words = this.inputTarget.value.trim().toLowerCase().split(/\s+/).filter(Boolean)
    this.shown = (this.items || []).filter((item) => {
      const text = `${item.label} ${item.hint || ""}`.toLowerCase()
      return words.every((word) => text.includes(word))
    }).slice(0, 50)
    this.selected = 0
    this.render()
  }

  render() {
    this.listTarget.replaceChildren(...this.shown.map((item, index) => {
      const li = document.createElement("li")
      li.setAttribute("role", "option")
      li.dataset.testid = "palette-item"
      li.dataset.kind = item.kind
      li.setAttribute("aria-selected", String(index === this.selected))
      li.textContent = item.label
      if (item.hint) {
        const hint = document.createElement("span")
        hint.className = "muted palette-hint"
        hint.textContent = item.hint
        li.append(" ", hint)
      }
      li.addEventListener("click", () => this.choose(index))
      return li
    }))
    const current = this.listTarget.children[this.selected]
    if (current) current.scrollIntoView({ block: "nearest" })
  }

  navigate(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault()
      if (!this.shown.length) return
      const step = event.key === "ArrowDown" ? 1 : -1
      this.selected = (this.selected + step + this.shown.length) % this.shown.length
      this.render()
    } else if (event.key === "Enter") {
      event.preventDefault()
      this.choose(this.selected)
    } else if (event.key === "Escape") {
      event.preventDefault()
      this.close()
    }
  }

  choose(index) {
    const item = this.shown[index]
    if (!item) return
    this.close()
    item.run()
  }

  visit(href) {
    if (window.Turbo) window.Turbo.visit(href)
    else window.location.href = href
  }

  clickShortcut(name) {
    const element = document.querySelector(`[data-shortcut="${name}"]`)
    if (!element) return
    const menu = element.closest("details")
    if (menu && !menu.open && element.tagName !== "SUMMARY") menu.open = true
    element.click()
  }

  startOn(projectId) {
    this.projectTarget.value = projectId
    this.startTarget.requestSubmit()
  }
}
