from . import test_onboarding, test_outbound, test_poll, test_webhook
