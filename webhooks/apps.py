from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from generation.signals import job_finished
        from webhooks.receivers import on_job_finished

        job_finished.connect(on_job_finished, dispatch_uid="webhooks.on_job_finished")
