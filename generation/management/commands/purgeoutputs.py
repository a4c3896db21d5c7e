from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from generation.models import Job
from generation.upload_services import uploads_purge_expired


class Command(BaseCommand):
    help = ("Delete output videos past their retention (LIPSYNC_OUTPUT_RETENTION_DAYS) and uploads "
            "older than LIPSYNC_UPLOAD_RETENTION_DAYS (unless a queued or running job uses them).")

    def handle(self, *args, **options):
        expired = Job.objects.filter(output_expires_at__lt=timezone.now()).exclude(output="")
        count = 0
        for job in expired.only("id", "output"):
            default_storage.delete(job.output)
            Job.objects.filter(pk=job.pk).update(output="")
            count += 1
        self.stdout.write(f"Deleted {count} expired output(s).")
        self.stdout.write(f"Deleted {uploads_purge_expired()} expired upload(s).")
