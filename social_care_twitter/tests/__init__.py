from . import (
    test_access,
    test_billing,
    test_media_credentials,
    test_onboarding,
    test_outbound,
    test_outbound_media,
    test_poll,
    test_posts,
    test_private_move,
    test_threading,
    test_webhook,
    test_xaa,
)
