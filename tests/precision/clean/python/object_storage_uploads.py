"""Uploads to S3 and Google Cloud Storage with the cache headers the CDN needs."""

import boto3
from google.cloud import storage

s3 = boto3.client("s3")
IMMUTABLE = "public, max-age=31536000, immutable"
UPLOAD_DEFAULTS = {"ContentType": "application/octet-stream", "CacheControl": "no-cache"}


def upload_asset(bucket: str, key: str, body: bytes, content_type: str) -> None:
    s3.put_object(
        Bucket=bucket, Key=key, Body=body, ContentType=content_type, CacheControl=IMMUTABLE
    )


def upload_manifest(bucket: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket, Key="manifest.json", Body=body, **UPLOAD_DEFAULTS)


def publish_to_gcs(bucket_name: str, name: str, data: bytes) -> dict:
    blob = storage.Client().bucket(bucket_name).blob(name)
    blob.cache_control = "public, max-age=3600"
    blob.upload_from_string(data)
    return {"name": name, "cache_control": blob.cache_control, "size": len(data)}


def firebase_hosting_headers() -> list[dict]:
    return [
        {"source": "**/*.@(js|css)", "headers": [{"key": "Cache-Control", "value": IMMUTABLE}]},
        {"type": "html", "source": "**/*.html", "cacheControl": "no-cache"},
    ]
