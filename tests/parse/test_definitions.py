"""Definitions: classes, functions, methods, nesting, bases, decorators, routes, docs."""

from __future__ import annotations


def defs(facts):
    return {d.qualname: d for d in facts.definitions}


def test_classes_methods_nested_functions(extract):
    facts = extract('''
        """Order services.

        Second paragraph is dropped."""
        from shop.models import Base

        class OrderService(Base):
            """Places orders
            for customers.

            Details."""

            def place(self):
                def validate():
                    return True
                return validate()

            async def cancel(self):
                pass

        def helper():
            class Local:
                pass
    ''')
    found = defs(facts)
    assert facts.docstring == "Order services."
    service = found["shop.services.OrderService"]
    assert (service.kind, service.line, service.end_line) == ("class", 7, 19)
    assert service.bases == ["shop.models.Base"]
    assert service.docstring == "Places orders for customers."
    assert found["shop.services.OrderService.place"].kind == "method"
    inner = found["shop.services.OrderService.place.validate"]
    assert inner.kind == "function" and inner.line == 14
    assert found["shop.services.OrderService.cancel"].is_async
    assert found["shop.services.helper.Local"].kind == "class"
    assert found["shop.services.OrderService.place"].returns_value
    assert not found["shop.services.OrderService.cancel"].returns_value


def test_decorators_are_candidate_qualnames(extract):
    facts = extract("""
        import functools
        from shop.auth import login_required

        @login_required
        @functools.lru_cache(maxsize=None)
        def profile():
            pass
    """)
    profile = defs(facts)["shop.services.profile"]
    assert profile.decorators == ["shop.auth.login_required", "functools.lru_cache"]
    decorator_calls = [r for r in facts.references if r.scope == "shop.services.profile"]
    assert {r.target for r in decorator_calls} == {"shop.auth.login_required",
                                                     "functools.lru_cache"}


def test_fastapi_routes_with_router_prefix(extract):
    facts = extract("""
        from fastapi import APIRouter, FastAPI

        router = APIRouter(prefix="/api/orders")
        app = FastAPI()

        @router.post("/checkout")
        async def checkout():
            pass

        @router.get("")
        def list_orders():
            pass

        @app.api_route("/health", methods=["GET", "HEAD"])
        def health():
            pass

        @router.get("not-a-path")
        def cache_lookup():
            pass
    """, module="shop.api.orders")
    found = defs(facts)
    checkout = found["shop.api.orders.checkout"]
    assert (checkout.http_method, checkout.route) == ("POST", "/api/orders/checkout")
    assert checkout.router == "shop.api.orders.router"
    assert found["shop.api.orders.list_orders"].route == "/api/orders"
    health = found["shop.api.orders.health"]
    assert (health.http_method, health.route, health.router) == \
        ("GET,HEAD", "/health", "shop.api.orders.app")
    assert found["shop.api.orders.cache_lookup"].route is None


def test_flask_routes_and_blueprint_prefix(extract):
    facts = extract("""
        from flask import Blueprint, Flask

        app = Flask(__name__)
        bp = Blueprint("payments", __name__, url_prefix="/payments")

        @app.route("/login", methods=["POST"])
        def login():
            pass

        @app.route("/")
        def index():
            pass

        @bp.get("/<int:pid>")
        def show(pid):
            pass
    """, module="shop.web")
    found = defs(facts)
    assert (found["shop.web.login"].http_method, found["shop.web.login"].route) == \
        ("POST", "/login")
    assert (found["shop.web.index"].http_method, found["shop.web.index"].route) == ("GET", "/")
    assert found["shop.web.show"].route == "/payments/<int:pid>"
    assert found["shop.web.show"].http_method == "GET"
