"""Old API paths that moved into /m/<merchant>/api/v1/: a 308 (method and body kept) to the new
path, numeric ids in the old path turned into public ids, the query string kept."""

from django.http import HttpResponseRedirect

from . import publicid


class HttpResponsePermanentRedirect308(HttpResponseRedirect):
    status_code = 308


def moved_permanently(new_path: str, **id_models):
    def view(request, merchant, **kwargs):
        values = {name: publicid.public_id_of(id_models[name], value) if name in id_models else value
                  for name, value in kwargs.items()}
        url = f"/m/{merchant}/api/v1/{new_path.format(**values)}"
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect308(f"{url}?{query}" if query else url)

    return view
