from . import social_care_app, social_care_account
