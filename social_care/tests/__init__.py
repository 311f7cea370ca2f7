from . import (
    test_access,
    test_ingestion,
    test_outbound,
    test_performance,
    test_poll,
    test_report,
    test_tours,
    test_webhook,
)
