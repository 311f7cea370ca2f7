from . import (
    test_access,
    test_meta_deletion,
    test_meta_graph_ids,
    test_meta_http,
    test_meta_ig_mentions,
    test_meta_ig_poll,
    test_meta_inbound,
    test_meta_inbound_route,
    test_meta_onboarding,
    test_meta_outbound,
    test_meta_posts,
    test_meta_private_move,
    test_meta_rules_company,
    test_meta_scenario,
    test_meta_side_effects,
)
from . import test_meta_sla
