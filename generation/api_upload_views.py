"""POST /api/v1/uploads (multipart) and GET of an upload by its owner."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from generation.errors import UploadNotAllowed
from generation.models import UploadKind
from generation.schema import ERROR_RESPONSES
from generation.selectors import upload_get_owned
from generation.upload_services import (
    LARGEST_UPLOAD,
    upload_cleanup,
    upload_create,
    upload_require_allowed,
)
from generation.upload_urls import upload_url
from lipsync_site.api_errors import PayloadTooLarge
from media_intake.errors import InputError


@extend_schema_field(OpenApiTypes.BINARY)
class UploadFileField(serializers.FileField):
    """The file's bytes, a multipart part (the schema says binary, so clients send a file)."""


class UploadCreateView(APIView):
    parser_classes = [MultiPartParser]

    class UploadInputSerializer(serializers.Serializer):
        file = UploadFileField()
        kind = serializers.ChoiceField(choices=UploadKind.values, required=False)

    class UploadOutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        url = serializers.URLField(help_text="Use it in formState in place of a public URL.")
        kind = serializers.CharField()
        size = serializers.IntegerField()
        info = serializers.DictField()

    @extend_schema(summary="Upload one media file",
                   request={"multipart/form-data": UploadInputSerializer},
                   responses={201: UploadOutputSerializer, **ERROR_RESPONSES})
    def post(self, request):
        # Refused from the declared length, before a byte of the body is read.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > LARGEST_UPLOAD + 64 * 1024:
            raise PayloadTooLarge(f"The upload is larger than the {LARGEST_UPLOAD // 10**6} MB "
                                  "limit.")
        self._require_allowed(request, declared - 64 * 1024)
        serializer = self.UploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        uploaded = serializer.validated_data["file"]
        try:
            upload = upload_create(owner=request.user, uploaded_file=uploaded,
                                   kind=serializer.validated_data.get("kind"))
        except UploadNotAllowed as exc:
            raise PermissionDenied(str(exc)) from None
        except InputError as exc:
            if exc.reason == "too_large":
                raise PayloadTooLarge(str(exc)) from None
            raise ValidationError({exc.field: [str(exc)]}) from None
        finally:
            upload_cleanup(uploaded)
        body = {"id": upload.id, "url": upload_url(upload), "kind": upload.kind,
                "size": upload.size, "info": upload.info}
        return Response(self.UploadOutputSerializer(body).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _require_allowed(request, size: int) -> None:
        """Refused from the declared length (less the multipart framing), before reading."""
        try:
            upload_require_allowed(owner=request.user, size=max(0, size))
        except UploadNotAllowed as exc:
            raise PermissionDenied(str(exc)) from None
        except InputError as exc:
            raise PayloadTooLarge(str(exc)) from None


class UploadDetailView(APIView):
    @extend_schema(summary="Download one of your uploads",
                   responses={(200, "*/*"): OpenApiTypes.BINARY, **ERROR_RESPONSES})
    def get(self, request, upload_id):
        upload = upload_get_owned(owner=request.user, upload_id=upload_id)
        # An attachment, never rendered by the browser (an "image" could be HTML underneath).
        response = FileResponse(default_storage.open(upload.file.name, "rb"), as_attachment=True,
                                filename=upload.original_name or upload.file.name)
        response["X-Content-Type-Options"] = "nosniff"
        return response
