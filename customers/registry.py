"""What the book of business contributes to the platform shell: menu entries and the
home-dashboard panel. Only pages that exist are registered."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from insurer import dashboard, navigation


def register_all() -> None:
    section = _("Book of business")
    navigation.register(
        navigation.NavItem(
            "customers", _("Customers"), "customers:customer_list", "customers.view_customer", section, 10
        )
    )
    navigation.register(
        navigation.NavItem("policies", _("Policies"), "customers:policy_list", "customers.view_policy", section, 20)
    )
    navigation.register(
        navigation.NavItem(
            "transactions",
            _("Transactions"),
            "customers:transaction_list",
            "customers.view_policytransaction",
            section,
            30,
        )
    )
    navigation.register(
        navigation.NavItem("products", _("Products"), "customers:product_list", "customers.view_product", section, 40)
    )

    def book_panel_context(request):
        from customers.selectors import book_dashboard

        return book_dashboard()

    dashboard.register(
        dashboard.Panel("book", "customers/panels/book.html", "customers.view_book_summary", book_panel_context, 10)
    )
