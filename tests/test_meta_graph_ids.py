"""The shapes of Graph ids the Meta connector accepts in paths (issue 11).

Accepted shapes come from Meta's Page webhook samples (post ids
``pageid_postid``, comment ids ``postid_commentid``, Instagram ids digits);
the refused ones are what an id would carry to reach another node or edge.
"""

import pytest

from odoo.addons.social_care_meta.tools import graph_ids


@pytest.mark.parametrize(
    "value",
    ["104857630123456", "137542570280222_139560936744456", "17887498072083520", 42],
)
def test_meta_ids_are_accepted(value):
    assert graph_ids.is_graph_id(value)


@pytest.mark.parametrize(
    "value",
    ["", "me", "1/subscribed_apps", "../me", "1?fields=access_token", "1 ", None, True],
)
def test_other_shapes_are_refused(value):
    assert not graph_ids.is_graph_id(value)


@pytest.mark.parametrize(
    "path",
    [
        "104857630123456",
        "104857630123456/conversations",
        "139560936744456_139597043408045/comments",
        "oauth/access_token",
        "me/accounts",
        "debug_token",
    ],
)
def test_paths_of_the_connector_are_accepted(path):
    assert graph_ids.is_graph_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "104857630123456/subscribed_apps/x",
        "1_2/../me",
        "me/accounts?x=1",
        "104857630123456/Comments",
        "1_2/",
        "x/comments",
    ],
)
def test_paths_reaching_elsewhere_are_refused(path):
    assert not graph_ids.is_graph_path(path)
