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
window.Stimulus = application

// The person's light or dark choice is an attribute of <html> (layouts/base.html), which Turbo Drive keeps from page
// to page (it swaps <body>): take the next page's, so saving the setting shows at once and signing out drops it.
document.addEventListener("turbo:before-render", (event) => {
  const theme = event.detail.newBody.parentElement?.dataset.theme
  if (theme) document.documentElement.dataset.theme = theme
  else delete document.documentElement.dataset.theme
})

// Installable, and the timer without a connection: the service worker keeps what a page needs offline
// (static/js/service_worker.js, served from the root so every page is in its scope)
const worker = document.querySelector('meta[name="service-worker"]')?.content
if (worker && "serviceWorker" in navigator) navigator.serviceWorker.register(worker).catch(() => {})
