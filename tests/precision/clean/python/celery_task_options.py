"""Task options for the thumbnail workers; the rendered images go to the CDN bucket."""

from celery import shared_task

from media import cdn, render

THUMB_OPTIONS = {"cache_control": "public, max-age=604800", "content_type": "image/webp"}


@shared_task(bind=True, max_retries=3)
def make_thumbnail(self, image_id: int, width: int) -> str:
    data = render.thumbnail(image_id, width)
    return cdn.upload(f"thumbs/{image_id}-{width}.webp", data, **THUMB_OPTIONS)


@shared_task
def purge(paths: list[str]) -> None:
    cdn.purge(paths, cache_control="no-cache")
