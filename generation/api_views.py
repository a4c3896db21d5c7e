"""The public API of the three modes, jobs and uploads (shared/api-contract.md)."""

from datetime import date, timedelta

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.throttling import SubmitRateThrottle
from billing.errors import JobTooLongError
from billing.selectors import ledger_for_request
from generation import services
from generation.errors import (
    IdempotencyKeyReused,
    JobAlreadyFinished,
    JobNotFinished,
    NotEnoughCredits,
    QueueUnavailable,
)
from generation.estimates import job_estimate
from generation.models import Mode
from generation.schema import ERROR_RESPONSES, JOB_OBJECT, SUBMIT_RESPONSE, responses
from generation.selectors import PUBLIC_STATUS_FILTERS, job_get_owned, job_list, usage_get
from generation.serializers import estimate_serializer, job_object, submission_serializer
from generation.url_checks import check_submission_urls
from lipsync_site.api_errors import (
    IdempotencyConflict,
    InsufficientCredits,
    JobFinished,
    JobStillRunning,
    ServiceUnavailable,
)
from media_intake.errors import InputError


class GivenQueryValue:
    """A query parameter given empty (`?status=`) is an invalid value, not an absent one."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)


class QueryChoiceField(GivenQueryValue, serializers.ChoiceField):
    pass


class QueryDateField(GivenQueryValue, serializers.DateField):
    pass


@extend_schema_field({"type": "string", "minLength": 1, "pattern": r"^[A-Za-z0-9%=_-]*$"})
class CursorField(GivenQueryValue, serializers.CharField):
    """An opaque cursor (base64 in a URL); a wrong one answers 404, as DRF's paginator does."""


class SubmitView(APIView):
    """POST one job of `mode`. Subclasses set the mode; the body is the contract's."""

    mode: str = ""
    throttle_classes = [SubmitRateThrottle]
    parser_classes = [JSONParser]  # the contract's body is JSON

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
                   responses={200: JOB_OBJECT, **responses(401, 404, 429)})
    def get(self, request, job_id):
        return Response(job_object(job_get_owned(owner=request.user, job_id=job_id)))

    @extend_schema(summary="Delete a finished job's output and inputs",
                   operation_id="jobs_destroy",
                   description="The job keeps its status; `output` becomes null and its URL "
                               "stops working. A job still running answers 409.",
                   responses={204: None, **responses(401, 404, 409, 429)})
    def delete(self, request, job_id):
        job = job_get_owned(owner=request.user, job_id=job_id)
        try:
            services.job_files_delete(job=job)
        except JobNotFinished as exc:
            raise JobStillRunning(str(exc)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class EstimateView(APIView):
    throttle_classes = [SubmitRateThrottle]
    parser_classes = [JSONParser]

    class OutputSerializer(serializers.Serializer):
        model = serializers.ChoiceField(choices=Mode.values)
        seconds = serializers.IntegerField(help_text="Billed seconds (the minimum applied).")
        credits = serializers.IntegerField(help_text="The price of this job.")
        available = serializers.IntegerField(help_text="Credits available to new jobs now.")

        class Meta:
            ref_name = "Estimate"

    @extend_schema(
        summary="The price of a job before submitting it", operation_id="estimate",
        description="The body of a submit plus `model`. URL inputs are downloaded and measured "
                    "as a job would; uploads use their measured length. Nothing is held.",
        request=estimate_serializer(), responses={200: OutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        head = estimate_serializer()(data=request.data)
        head.is_valid(raise_exception=True)
        model = head.validated_data["model"]
        body = {name: value for name, value in request.data.items() if name != "model"}
        serializer = submission_serializer(model)(data=body)
        serializer.is_valid(raise_exception=True)
        check_submission_urls(serializer.validated_data)
        form_state = dict(serializer.validated_data["formState"])
        try:
            estimate = job_estimate(owner=request.user, ledger=ledger_for_request(request),
                                    model=model, form_state=form_state)
        except InputError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from None
        except JobTooLongError as exc:
            raise ValidationError({"formState": [str(exc)]}) from None
        return Response(self.OutputSerializer(estimate).data)


class UsageView(APIView):
    class FilterSerializer(serializers.Serializer):
        group_by = QueryChoiceField(choices=["day", "key"], default="day")

        def get_fields(self):
            fields = super().get_fields()  # "from" is a Python keyword: added by name
            fields["from"] = QueryDateField(
                required=False, help_text="First day (UTC), default 29 days before `to`.")
            fields["to"] = QueryDateField(required=False,
                                                 help_text="Last day (UTC), default today.")
            return fields

        def validate(self, attrs):
            end = attrs.get("to") or timezone.now().date()
            start = attrs.get("from") or max(date.min, end - timedelta(days=29))
            return {**attrs, "from": start, "to": end}

    class RowSerializer(serializers.Serializer):
        day = serializers.DateField(required=False, help_text="group_by=day")
        key = serializers.CharField(required=False,
                                    help_text='group_by=key: the key id ("" for the browser)')
        credits = serializers.IntegerField()
        seconds = serializers.FloatField()
        jobs = serializers.IntegerField()

        class Meta:
            ref_name = "UsageRow"

    @extend_schema(
        summary="Credits spent and seconds rendered", operation_id="usage",
        parameters=[FilterSerializer],
        responses={200: inline_serializer("Usage", {
            "from": serializers.DateField(), "to": serializers.DateField(),
            "group_by": serializers.CharField(), "ledger": serializers.CharField(),
            "data": RowSerializer(many=True),
        }), **responses(400, 401, 429)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        period = filters.validated_data
        ledger = ledger_for_request(request)
        rows = usage_get(owner=request.user, ledger=ledger, start=period["from"],
                         end=period["to"], group_by=period["group_by"])
        return Response({"from": period["from"].isoformat(), "to": period["to"].isoformat(),
                         "group_by": period["group_by"], "ledger": ledger.value, "data": rows})


class JobCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    max_page_size = 100
    page_size_query_param = "limit"


class JobListView(APIView):
    class FilterSerializer(serializers.Serializer):
        status = QueryChoiceField(choices=list(PUBLIC_STATUS_FILTERS), required=False)
        model = QueryChoiceField(choices=Mode.values, required=False)
        limit = serializers.IntegerField(required=False, min_value=1,
                                         max_value=JobCursorPagination.max_page_size)
        cursor = CursorField(required=False, help_text="From a page's `next` or `previous`.")

    @extend_schema(
        summary="Your jobs, newest first", operation_id="jobs_list",
        parameters=[FilterSerializer],
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
        wanted = {name: filters.validated_data.get(name) for name in ("status", "model")}
        page = paginator.paginate_queryset(job_list(owner=request.user, **wanted),
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
