"""Catalog API: product data changes a few times a day, prices every hour."""

from datetime import timedelta

from flask import Flask, abort, jsonify, make_response, request

from catalog import store

app = Flask(__name__)
PRICE_MAX_AGE = timedelta(hours=1)


@app.get("/products/<sku>")
def product(sku):
    item = store.get(sku) or abort(404)
    response = jsonify(item)
    response.cache_control.public = True
    response.cache_control.max_age = 6 * 3600
    response.add_etag()
    return response.make_conditional(request)


@app.get("/products/<sku>/price")
def price(sku):
    response = make_response(jsonify(store.price(sku)))
    response.cache_control.max_age = int(PRICE_MAX_AGE.total_seconds())
    response.cache_control.must_revalidate = True
    return response


@app.get("/cart")
def cart():
    response = jsonify(store.cart(request.cookies.get("cart_id")))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Cookie"
    return response


@app.after_request
def default_cache_headers(response):
    response.cache_control.no_transform = True
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response
