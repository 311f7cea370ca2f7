from . import social_care_link_partner
