from . import (
    test_access,
    test_media_credentials,
    test_onboarding,
    test_outbound,
    test_poll,
    test_posts,
    test_webhook,
)
