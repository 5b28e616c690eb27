"""Thin wrappers around the partner APIs; responses must always be fresh."""

import aiohttp
import httpx
import requests

FRESH = {"Cache-Control": "no-cache", "Pragma": "no-cache"}


def exchange_rates(base: str) -> dict:
    response = requests.get(
        "https://rates.example.com/latest",
        params={"base": base},
        headers={"Cache-Control": "no-cache", "Accept": "application/json"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def stock_levels(client: httpx.Client, warehouse: str) -> dict:
    return client.get(f"/warehouses/{warehouse}/stock", headers=FRESH).json()


async def carrier_status(session: aiohttp.ClientSession, tracking: str) -> dict:
    async with session.get(
        f"https://carrier.example.com/track/{tracking}",
        headers={"cache-control": "max-age=0"},
    ) as response:
        return await response.json()


def post_webhook(url: str, payload: dict) -> int:
    response = httpx.post(url, json=payload, headers={"Cache-Control": "no-store"}, timeout=5)
    return response.status_code
