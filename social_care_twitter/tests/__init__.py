from . import (
    test_access,
    test_billing,
    test_onboarding,
    test_outbound,
    test_poll,
    test_posts,
    test_private_move,
    test_threading,
    test_token_renewal,
    test_webhook,
    test_xaa,
)
