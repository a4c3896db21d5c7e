"""OpenAPI shapes of the contract's bodies (drf-spectacular), documented errors included."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from generation.serializers import JobObjectSerializer

ERROR_BODY = inline_serializer("Error", {
    "error": serializers.CharField(help_text="One clear sentence."),
    "code": serializers.CharField(help_text="snake_case code, e.g. invalid_request."),
    "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                    required=False),
})

ERROR_RESPONSES = {
    400: OpenApiResponse(ERROR_BODY, description="invalid_request (with fields)"),
    401: OpenApiResponse(ERROR_BODY, description="unauthenticated"),
    402: OpenApiResponse(ERROR_BODY, description="insufficient_credits"),
    404: OpenApiResponse(ERROR_BODY, description="not_found (also another account's job)"),
    409: OpenApiResponse(ERROR_BODY, description="idempotency_conflict or job_finished"),
    413: OpenApiResponse(ERROR_BODY, description="payload_too_large"),
    429: OpenApiResponse(ERROR_BODY, description="rate_limited (see Retry-After)"),
}



def responses(*codes: int) -> dict:
    """The documented error responses of an operation that can answer only `codes`."""
    return {code: ERROR_RESPONSES[code] for code in codes}


SUBMIT_RESPONSE = inline_serializer("Accepted", {
    "id": serializers.UUIDField(),
    "status": serializers.CharField(help_text='"processing"'),
})


JOB_OBJECT = JobObjectSerializer


class StrictSerializerExtension(OpenApiSerializerExtension):
    """Request bodies that refuse unknown fields say so: `additionalProperties: false`."""

    target_class = "generation.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}
