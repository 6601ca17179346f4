"""Imports of time from other trackers' CSV exports (Toggl Track, Clockify, Harvest, solidtime, a generic CSV):
formats/ (one parser each, yielding normalized rows), reader (the file, format detection, external ids), plan
(the dry run: what would be matched and created), writer (the import, all or nothing, and its undo), runs (an
Import's life, its jobs and live progress), routes."""
