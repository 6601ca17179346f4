"""Signed webhooks: endpoints an organization's owners register, the events sent to them, the delivery log."""
