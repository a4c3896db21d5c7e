from rest_framework import exceptions

from lipsync_site.api_errors import InsufficientCredits, error_body


def test_validation_errors_name_the_nested_field_in_the_sentence_and_fields():
    exc = exceptions.ValidationError(
        {"formState": {
            "audio": ["This field is required."], "seed": ["A valid integer is required."],
        }}
    )
    assert error_body(exc) == {
        "error": "formState.audio: This field is required.",
        "code": "invalid_request",
        "fields": {
            "formState.audio": ["This field is required."],
            "formState.seed": ["A valid integer is required."],
        },
    }


def test_body_level_validation_error_reads_as_a_plain_sentence():
    exc = exceptions.ValidationError({"non_field_errors": ["Unknown formState fields: foo."]})
    assert error_body(exc)["error"] == "Unknown formState fields: foo."


def test_throttled_says_when_to_retry():
    assert error_body(exceptions.Throttled(wait=11.2)) == {
        "error": "Too many requests; retry in 12 seconds.", "code": "rate_limited",
    }


def test_custom_exceptions_carry_the_contract_codes():
    assert error_body(InsufficientCredits("Needs 20 credits; 5 available.")) == {
        "error": "Needs 20 credits; 5 available.", "code": "insufficient_credits",
    }
