"""RQ entry points. Each takes ids only and calls services."""

from webhooks import services


def delivery_attempt(delivery_id: str) -> None:
    services.delivery_attempt(delivery_id=delivery_id)


def sweep_overdue_deliveries() -> int:
    return services.deliveries_enqueue_overdue()
