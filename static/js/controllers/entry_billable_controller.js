// The entry form's billable box follows the project select: choosing a project sets the box to that
// project's billable flag (the person may still change it afterwards).
import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  static values = { defaults: Object }
  static targets = ["project", "billable"]

  follow() {
    const billable = this.defaultsValue[this.projectTarget.value]
    if (billable !== undefined) this.billableTarget.checked = billable
  }
}
