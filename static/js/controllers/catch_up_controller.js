// A page that shows background work still under way (an organization's export): on its socket's first "live"
// (stream-source:live) it renders itself again once, as a refresh would, since work that finished before the
// socket opened pushed to nobody. Later changes arrive as streams.
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static values = { active: Boolean }

  live(event) {
    if (this.caughtUp || event.detail?.resync) return // a reconnect refreshes the page by itself
    this.caughtUp = true
    if (this.activeValue) window.Turbo.session.refresh(document.baseURI)
  }
}
