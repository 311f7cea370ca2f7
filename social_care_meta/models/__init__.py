from . import (
    social_care_app,
    social_care_account,
    social_care_account_ig_mention,
    social_care_account_media,
    social_care_event,
    social_care_identity,
    social_care_message,
    social_care_meta_deletion,
    social_care_rule,
    helpdesk_ticket,
)
