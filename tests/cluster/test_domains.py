"""Domains stage: README words that seed and name the contexts."""

from __future__ import annotations

from analyzer.domains import DomainMatcher, domains, identifier_stems, singular, stem

README = """# Acme shop

![logo](logo.png)

Acme is a shop. Install it with `pip install acme`.

## Installation

Run `make` and open http://localhost.

## Business domains

**Orders.** Orders and their order items. Checkout places the order.

- **Payments**: charge the card, refunds are recorded against the payment.
- Shipping & delivery — parcels go out to one of the customer's addresses.

### Catalogue

The catalogue lists products in categories.

```
## Not a heading: inside a code block
**Fake.** Not a domain.
```

## Contributing

Pull requests welcome.
"""


def test_domains_come_from_the_domain_section() -> None:
    vocab = domains(README, source="README.md")
    names = {d.name for d in vocab.domains}
    assert names == {"orders", "payments", "shipping", "catalogue"}
    by_name = {d.name: d for d in vocab.domains}
    assert by_name["orders"].concept == "order"
    assert by_name["catalogue"].concept == "catalog"
    assert by_name["shipping"].concept == "shipping"
    assert by_name["payments"].description.startswith("charge the card")
    # words of a domain's description become its related vocabulary (nouns, not verbs)
    assert "address" in by_name["shipping"].related
    assert "refund" in by_name["payments"].related
    assert "place" not in by_name["orders"].related


def test_prose_readme_falls_back_to_recurring_nouns_and_explicit_words_win() -> None:
    prose = ("Tickets are opened by agents. Each ticket has comments. Agents close "
             "tickets and add comments. Installation: run it.")
    names = {d.name for d in domains(prose).domains}
    assert {"tickets", "comments", "agents"} <= names
    assert "installation" not in names and "run" not in names
    explicit = domains(README, explicit=["billing", "Orders"])
    assert {d.name for d in explicit.domains} == {"billing", "orders"}
    assert explicit.domains and all(d.weight > 0 for d in explicit.domains)
    assert domains(None).domains == []


def test_identifier_matching_singular_plural_case_and_synonyms() -> None:
    assert singular("categories") == "category"
    assert singular("addresses") == "address"
    assert singular("status") == "status"
    assert stem("shipments") == stem("ship") == stem("Shipping") == "shipping"
    assert stem("notify") == stem("notifications") == "notification"
    assert stem("stock") == "inventory"
    assert stem("account") == stem("users") == "user"
    assert stem("reporting") == stem("reports") == "report"
    assert identifier_stems("OrderItem") == ["order", "item"]
    assert identifier_stems("payment_refunds") == ["payment", "refund"]
    matcher = DomainMatcher(domains(README))
    assert set(matcher.score("OrderItem")) == {"orders"}
    assert matcher.score("OrderItem")["orders"] >= 1.0
    # the qualifier (first word) counts more than later words
    assert matcher.score("refund_payments")["payments"] < matcher.score("payment_refunds")[
        "payments"]
    assert matcher.score("ShipmentStatus")["shipping"] == 1.0
    assert matcher.score("product_images") == {"catalogue": 1.0}
    # description words pull weakly, and not when only a service's own words count
    assert 0 < matcher.score("addresses")["shipping"] < 1
    assert matcher.score("addresses", related=False) == {}
