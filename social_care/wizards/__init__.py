from . import social_care_link_partner
from . import social_care_reply_reject
