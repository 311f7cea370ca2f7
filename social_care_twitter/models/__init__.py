from . import (
    ir_attachment,
    social_care_app,
    social_care_account,
    social_care_account_billing,
    social_care_account_xaa,
    social_care_account_media,
    social_care_message_x_media,
    social_care_twitter_usage,
    social_care_twitter_price,
    social_care_twitter_query,
    social_care_twitter_subscription,
    social_care_twitter_token,
)
