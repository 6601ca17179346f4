// The week timesheet's grid: posts a cell when its value changes and applies the Turbo Stream answer (the cell and
// the totals), moves between cells with Enter and the arrow keys, and fetches the week again when the page's
// stream signals a change made elsewhere (a timer, the entry form, another tab), keeping the cell being typed in.
// Its status texts come from the page (data-timesheet-*-value, in the person's language); English when absent.
import { Controller } from "@hotwired/stimulus"

const STREAM = "text/vnd.turbo-stream.html"

export default class extends Controller {
  static values = {
    url: String, person: String,
    saving: { type: String, default: "Saving…" },
    saved: { type: String, default: "Saved." },
    refused: { type: String, default: "Not saved: see the cell." },
    failed: { type: String, default: "Not saved (%(status)s). Reload the page and try again." },
    unreachable: { type: String, default: "Not saved: the server did not answer. Try again." },
  }
  static targets = ["cell", "signal", "status"]

  connect() {
    this.pending = 0
    this.saves = 0  // a refresh fetched while a save went out may be older than that save's answer
    this.stale = false
  }

  // -- saving a cell ---------------------------------------------------------------------------------
  async save(event) {
    const input = event.target
    const body = new FormData()
    body.append("project_id", input.dataset.projectId)
    if (input.dataset.taskId) body.append("task_id", input.dataset.taskId)
    body.append("day", input.dataset.day)
    body.append("hours", input.value)
    if (this.personValue) body.append("user", this.personValue)
    this.pending += 1
    this.saves += 1
    this.status(this.savingValue)
    try {
      const response = await fetch(this.urlValue, {
        method: "POST", body, credentials: "same-origin",
        headers: { Accept: STREAM, "X-CSRF-Token": this.csrfToken },
      })
      const type = response.headers.get("Content-Type") || ""
      if (type.startsWith(STREAM)) {
        this.apply(await response.text())
        this.status(response.ok ? this.savedValue : this.refusedValue)
      } else {
        this.status(this.failedValue.replace("%(status)s", response.status))
      }
    } catch (error) {
      this.status(this.unreachableValue)
    } finally {
      this.pending -= 1
      if (this.pending === 0 && this.stale) this.refresh()
    }
  }

  // Replace each <turbo-stream action="replace"> target, except a cell someone is typing in right now.
  apply(html) {
    const template = document.createElement("template")
    template.innerHTML = html
    for (const stream of template.content.querySelectorAll("turbo-stream[action=replace]")) {
      const content = stream.querySelector("template").content.firstElementChild
      this.replace(document.getElementById(stream.getAttribute("target")), content)
    }
  }

  replace(current, next) {
    if (!current || !next) return
    const active = document.activeElement
    const focused = active && current.contains(active) ? active : null
    if (focused && focused.matches("input") && focused.value !== focused.dataset.saved) return  // being typed
    const cellId = focused?.closest("td[id]")?.id
    const selection = focused?.matches("input") ? [focused.selectionStart, focused.selectionEnd] : null
    current.replaceWith(document.importNode(next, true))
    const input = cellId && document.getElementById(cellId)?.querySelector("input.ts-input")
    if (!input) return
    // Focus the new cell's input as the old one was, selection and all: its focus action may not be bound yet
    // (Stimulus connects it a moment later), and what the person types next must replace the value as it would have
    input.focus()
    if (selection && input.value === focused.value) input.setSelectionRange(...selection)
    else input.select()
  }

  // -- live: a change elsewhere ----------------------------------------------------------------------
  signalTargetConnected(element) {
    if (element.dataset.at) this.refresh()
  }

  async refresh() {
    if (this.pending > 0) { this.stale = true; return }
    this.stale = false
    const saves = this.saves
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
    if (!response.ok) return
    const html = await response.text()
    if (this.saves !== saves || this.pending > 0) {  // a save went out meanwhile: fetch again after it
      if (this.pending > 0) this.stale = true
      else this.refresh()
      return
    }
    const page = new DOMParser().parseFromString(html, "text/html")
    const rows = page.getElementById("timesheet-rows")
    const mine = document.getElementById("timesheet-rows")
    if (!rows || !mine) return
    const ids = (body) => [...body.querySelectorAll("tr[id]")].map((row) => row.id).join(",")
    if (ids(rows) !== ids(mine)) {
      this.replace(mine, rows)
    } else {
      for (const element of rows.querySelectorAll("td[id]")) {
        const current = document.getElementById(element.id)
        if (current?.querySelector(".cell-error")) continue  // keep what was typed and why it was refused
        this.replace(current, element)
      }
    }
    for (const element of page.querySelectorAll("#timesheet-grid tfoot td[id]")) {
      this.replace(document.getElementById(element.id), element)
    }
  }

  // -- the keyboard ----------------------------------------------------------------------------------
  select(event) {
    event.target.select()
  }

  move(event) {
    const input = event.target
    const { key } = event
    let dr = 0, dc = 0
    if (key === "Enter") dr = event.shiftKey ? -1 : 1
    else if (key === "ArrowDown") dr = 1
    else if (key === "ArrowUp") dr = -1
    else if (key === "ArrowLeft" && input.selectionStart === 0) dc = -1  // at the start, or all selected
    else if (key === "ArrowRight" && input.selectionEnd === input.value.length) dc = 1
    else return
    event.preventDefault()
    const target = this.neighbour(input.closest("td"), dr, dc)
    if (target) target.focus()
    else if (key === "Enter") input.blur()  // the last row: Enter still saves the cell
  }

  neighbour(cell, dr, dc) {
    const rows = [...this.element.querySelectorAll("#timesheet-rows tr")]
    let r = rows.indexOf(cell.parentElement)
    let c = cell.cellIndex
    for (;;) {
      r += dr
      c += dc
      const row = rows[r]
      if (!row || c < 1 || c >= row.cells.length) return null
      const input = row.cells[c].querySelector("input.ts-input")
      if (input) return input
    }
  }

  status(text) {
    if (this.hasStatusTarget) this.statusTarget.textContent = text
  }

  get csrfToken() {
    return document.querySelector('meta[name="csrf-token"]')?.content || ""
  }
}
