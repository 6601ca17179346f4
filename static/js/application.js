// Stimulus boots here; each controller lives in js/controllers/ and is loaded through the import map.
import { Application } from "@hotwired/stimulus"
import StreamSourceController from "controllers/stream_source_controller.js"
import TimerController from "controllers/timer_controller.js"
import DashboardController from "controllers/dashboard_controller.js"
import BrowserZoneController from "controllers/browser_zone_controller.js"
import ToastController from "controllers/toast_controller.js"
import BoundedListController from "controllers/bounded_list_controller.js"
import TimesheetController from "controllers/timesheet_controller.js"
import EntryBillableController from "controllers/entry_billable_controller.js"
import ClipboardController from "controllers/clipboard_controller.js"
import IdleController from "controllers/idle_controller.js"
import MenuController from "controllers/menu_controller.js"
import StartPickerController from "controllers/start_picker_controller.js"
import ShortcutsController from "controllers/shortcuts_controller.js"
import PaletteController from "controllers/palette_controller.js"
import CatchUpController from "controllers/catch_up_controller.js"
import ChecklistController from "controllers/checklist_controller.js"
import OfflineTimerController from "controllers/offline_timer_controller.js"
import ReloadController from "controllers/reload_controller.js"

const application = Application.start()
application.register("stream-source", StreamSourceController)
application.register("timer", TimerController)
application.register("dashboard", DashboardController)
application.register("browser-zone", BrowserZoneController)
application.register("toast", ToastController)
application.register("bounded-list", BoundedListController)
application.register("timesheet", TimesheetController)
application.register("entry-billable", EntryBillableController)
application.register("clipboard", ClipboardController)
application.register("idle", IdleController)
application.register("menu", MenuController)
application.register("start-picker", StartPickerController)
application.register("shortcuts", ShortcutsController)
application.register("palette", PaletteController)
application.register("catch-up", CatchUpController)
application.register("checklist", ChecklistController)
application.register("offline-timer", OfflineTimerController)
application.register("reload", ReloadController)
window.Stimulus = application

// The person's light or dark choice is an attribute of <html> (layouts/base.html), which Turbo Drive keeps from page
// to page (it swaps <body>): take the next page's, so saving the setting shows at once and signing out drops it.
// (A snapshot shown while going back has no <html> of its own: the page keeps its attribute.)
document.addEventListener("turbo:before-render", (event) => {
  const html = event.detail.newBody.parentElement
  if (!html) return
  if (html.dataset.theme) document.documentElement.dataset.theme = html.dataset.theme
  else delete document.documentElement.dataset.theme
})

// Installable, and the timer without a connection: the service worker keeps what a page needs offline
// (static/js/service_worker.js, served from the root so every page is in its scope). A page loaded before the worker
// took over (the first visit) tells it the static files it used, which the worker did not see go by.
const worker = document.querySelector('meta[name="service-worker"]')?.content
if (worker && "serviceWorker" in navigator) {
  const seenByWorker = Boolean(navigator.serviceWorker.controller)
  navigator.serviceWorker.register(worker).then(() => navigator.serviceWorker.ready).then((registration) => {
    if (seenByWorker) return
    const files = performance.getEntriesByType("resource").map((entry) => entry.name)
      .filter((url) => url.startsWith(`${window.location.origin}/static/`))
    registration.active?.postMessage({ keep: files })
  }).catch(() => {})
}
// The copy of the timer page kept for offline use is its person's: any page seen signed out (after signing out,
// a session that ended or was revoked) drops it. Changes still waiting stay, for their maker to send.
function dropKeptPageWhenSignedOut() {
  if (!document.querySelector("[data-offline-timer-user-value]") && "caches" in window) caches.delete("timeboard-pages")
}
dropKeptPageWhenSignedOut()
document.addEventListener("turbo:load", dropKeptPageWhenSignedOut)

// A flash says what a person's action did. A page refresh a stream asks for right after it (the job it started
// changed: a Turbo morph) must not take it away before it is read: a flash the refreshed page no longer has stays
// (each has an id of its own, so the morph never turns it into another element). The next page replaces it, and so
// does a newer flash that a later morph brings.
document.addEventListener("turbo:before-morph-element", (event) => {
  const { currentElement, newElement } = event.detail
  if (newElement || !currentElement.classList.contains("flash")) return
  event.preventDefault()
  currentElement.dataset.kept = ""
})
document.addEventListener("turbo:morph", () => {
  if (document.querySelector(".flash:not([data-kept])")) {
    document.querySelectorAll(".flash[data-kept]").forEach((flash) => flash.remove())
  }
})
