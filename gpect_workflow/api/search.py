"""Search: the plans, tasks, comments and organisations the person may see, by the words they hold."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..services.search import search
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.search import SearchArgsSchema, SearchResultsSchema

URL_PREFIX = ""
blp = ApiBlueprint("gpect_api_search", __name__, description="Search", authenticate=api_person)


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, SearchResultsSchema)
    @errors(blp, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """Results grouped by kind with each kind's count, best first; with ``kind``, that kind a page at a time."""
        return search(api_person(), args["q"], args.get("kind"), args["page"], args["per_page"])
