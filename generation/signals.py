from django.dispatch import Signal

# Sent after the transaction that finished a job (completed or failed) commits, with
# `job_id`. Webhook delivery listens to it.
job_finished = Signal()
