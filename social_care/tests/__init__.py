from . import (
    test_access,
    test_ingestion,
    test_media,
    test_outbound,
    test_performance,
    test_poll,
    test_posts,
    test_reply_channel,
    test_report,
    test_side_effects,
    test_tours,
    test_webhook,
)
