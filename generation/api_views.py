"""The public API of the three modes, jobs and uploads (shared/api-contract.md)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.throttling import SubmitRateThrottle
from billing.selectors import ledger_for_request
from generation import services
from generation.errors import (
    IdempotencyKeyReused,
    JobAlreadyFinished,
    NotEnoughCredits,
    QueueUnavailable,
)
from generation.models import Mode
from generation.schema import ERROR_RESPONSES, JOB_OBJECT, SUBMIT_RESPONSE
from generation.selectors import PUBLIC_STATUS_FILTERS, job_get_owned, job_list
from generation.serializers import job_object, submission_serializer
from generation.url_checks import check_submission_urls
from lipsync_site.api_errors import (
    IdempotencyConflict,
    InsufficientCredits,
    JobFinished,
    ServiceUnavailable,
)


class SubmitView(APIView):
    """POST one job of `mode`. Subclasses set the mode; the body is the contract's."""

    mode: str = ""
    throttle_classes = [SubmitRateThrottle]

    def post(self, request):
        serializer = submission_serializer(self.mode)(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_submission_urls(data)
        job, created = self._submit(request, data)
        response = Response({"id": str(job.id), "status": job.public_status},
                            status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/jobs/{job.id}"
        return response

    def _submit(self, request, data):
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key is not None and len(key) > 255:
            raise ValidationError({"Idempotency-Key": ["At most 255 characters."]})
        try:
            return services.job_submit(
                owner=request.user, ledger=ledger_for_request(request), api_key=request.auth,
                model=self.mode, form_state=dict(data["formState"]), webhook=data["webhook"],
                idempotency_key=key,
                fingerprint=services.request_fingerprint(model=self.mode, body=request.data),
            )
        except NotEnoughCredits as exc:
            raise InsufficientCredits(str(exc)) from None
        except IdempotencyKeyReused as exc:
            raise IdempotencyConflict(str(exc)) from None
        except QueueUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from None


def _submit_view(mode: str, summary: str) -> type[SubmitView]:
    body = submission_serializer(mode)

    # A function of its own per mode: the schema decorator annotates the function object.
    @extend_schema(
        summary=summary, request=body, operation_id=mode.replace("-", "_"),
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     description="Same key + same body = the same job.")],
        responses={202: SUBMIT_RESPONSE, **ERROR_RESPONSES},
    )
    def post(self, request):
        return SubmitView.post(self, request)

    return type(f"{body.__name__}View", (SubmitView,), {"mode": mode, "post": post})


LipsyncVideoView = _submit_view(Mode.VIDEO, "Video + new audio: re-sync the lips")
LipsyncImageView = _submit_view(Mode.IMAGE, "Portrait + audio: a talking video")
LipsyncImageMultiView = _submit_view(Mode.IMAGE_MULTI, "Two people + two audios: a conversation")


class JobDetailView(APIView):
    @extend_schema(summary="Job status and result", operation_id="jobs_retrieve",
                   responses={200: JOB_OBJECT, **ERROR_RESPONSES})
    def get(self, request, job_id):
        return Response(job_object(job_get_owned(owner=request.user, job_id=job_id)))


class JobCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    max_page_size = 100
    page_size_query_param = "limit"


class JobListView(APIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=list(PUBLIC_STATUS_FILTERS), required=False)
        model = serializers.ChoiceField(choices=Mode.values, required=False)

    @extend_schema(
        summary="Your jobs, newest first", operation_id="jobs_list",
        parameters=[FilterSerializer, OpenApiParameter("cursor", str),
                    OpenApiParameter("limit", int)],
        responses={200: inline_serializer("JobPage", {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": JOB_OBJECT(many=True),
        }), **ERROR_RESPONSES},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = JobCursorPagination()
        page = paginator.paginate_queryset(job_list(owner=request.user, **filters.validated_data),
                                           request, view=self)
        return paginator.get_paginated_response([job_object(job) for job in page])


class JobCancelView(APIView):
    @extend_schema(summary="Cancel a job that has not finished; its credits go back",
                   request=None, responses={200: JOB_OBJECT, **ERROR_RESPONSES})
    def post(self, request, job_id):
        job = job_get_owned(owner=request.user, job_id=job_id)
        try:
            return Response(job_object(services.job_cancel(job=job)))
        except JobAlreadyFinished as exc:
            raise JobFinished(str(exc)) from None
