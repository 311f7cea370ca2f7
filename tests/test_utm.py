"""UTM parameters found in the links of a post's text or address."""

from odoo.addons.social_care.tools.utm import utm_parameters


def test_parameters_of_a_link_in_the_text():
    text = (
        "Autumn offer: 20% off https://acme.example/x2?utm_campaign=autumn_sale"
        "&utm_source=x&utm_medium=social."
    )
    assert utm_parameters(text) == {
        "campaign": "autumn_sale",
        "source": "x",
        "medium": "social",
    }


def test_the_first_link_wins_and_the_permalink_counts_too():
    assert utm_parameters(
        "see http://a.example/?utm_campaign=first and "
        "https://b.example/?utm_campaign=second&UTM_MEDIUM=Email",
        "https://facebook.com/p/1?utm_source=facebook",
    ) == {"campaign": "first", "medium": "Email", "source": "facebook"}


def test_nothing_without_links_or_utm_values():
    assert utm_parameters("", None, "utm_campaign=not_a_link") == {}
    assert utm_parameters("https://a.example/?campaign=x&utm_term=y") == {}
    assert utm_parameters("https://a.example/?utm_campaign=&utm_source=%20") == {}
    assert utm_parameters("https://a.example/?utm_campaign=" + "x" * 101) == {}


def test_encoded_values_are_decoded():
    assert utm_parameters("https://a.example/?utm_campaign=Black%20Friday+2026") == {
        "campaign": "Black Friday 2026"
    }
