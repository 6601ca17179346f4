// Fills a time-zone field with the browser's IANA zone: at once when the field is empty (sign-up, accepting an
// invitation: the first sign-in gets the browser's zone), and on demand ("use this browser's time zone").
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static targets = ["field"]

  connect() {
    if (this.hasFieldTarget && !this.fieldTarget.value) this.use()
  }

  use() {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
      if (zone && this.hasFieldTarget) this.fieldTarget.value = zone
    } catch (error) {
      // an old browser without Intl time zones: the server keeps UTC
    }
  }
}
