from django.urls import reverse

from insurer import navigation


def test_every_registered_menu_entry_is_routed():
    for item in navigation.registered():
        assert reverse(item.url_name), item.key
