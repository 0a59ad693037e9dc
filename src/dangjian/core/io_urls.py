"""URLs of the Excel pages: one fixed set per registered template (no object in the path)."""

from functools import partial

from django.urls import path

from dangjian.core import excel, io_views

urlpatterns = [path("", io_views.index, name="io-index")]
for _t in excel.all_templates():
    _name = _t.name
    urlpatterns += [
        path(f"{_name}/", partial(io_views.register_page, register=_name), name=f"io-{_name}"),
        path(f"{_name}/template/", partial(io_views.blank_template, register=_name), name=f"io-{_name}-template"),
        path(f"{_name}/upload/", partial(io_views.upload, register=_name), name=f"io-{_name}-upload"),
        path(f"{_name}/commit/", partial(io_views.commit, register=_name), name=f"io-{_name}-commit"),
        path(f"{_name}/cancel/", partial(io_views.cancel, register=_name), name=f"io-{_name}-cancel"),
        path(f"export/{_name}/", partial(io_views.export, register=_name), name=f"io-export-{_name}"),
    ]
