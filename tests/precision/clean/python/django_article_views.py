"""Article pages: public pages are cached by browsers and the CDN, account pages never."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.cache import cache_control, cache_page, never_cache
from django.views.decorators.vary import vary_on_headers

from .models import Article


@cache_control(max_age=3600, public=True, stale_while_revalidate=60)
def article_detail(request, slug):
    article = get_object_or_404(Article, slug=slug, published=True)
    return render(request, "articles/detail.html", {"article": article})


@cache_page(60 * 15)
@vary_on_headers("Accept-Language")
def article_list(request):
    articles = Article.objects.filter(published=True).order_by("-published_at")[:50]
    return render(request, "articles/list.html", {"articles": articles})


@never_cache
def drafts(request):
    drafts = Article.objects.filter(author=request.user, published=False)
    return render(request, "articles/drafts.html", {"drafts": drafts})


@cache_control(private=True, no_store=True)
def reading_list(request):
    items = list(request.user.reading_list.values("article__slug", "added_at"))
    response = JsonResponse({"items": items})
    patch_cache_control(response, must_revalidate=True, max_age=0)
    return response


def feed(request):
    response = render(request, "articles/feed.xml", content_type="application/rss+xml")
    if request.GET.get("preview"):
        add_never_cache_headers(response)
    else:
        patch_cache_control(response, public=True, max_age=600, s_maxage=1800)
    return response
