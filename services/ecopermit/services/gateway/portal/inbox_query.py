"""What a staff inbox asks for: region, task kind, overdue only, the order, and the page; read
from the page's address, so a filtered, sorted page is a link that can be shared or kept."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from starlette.requests import Request

from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.type.v1 import kazakhstan_pb2 as kz

ORDERS = ("due_time", "create_time")
_PAGE_SIZE = 25


@dataclass(frozen=True)
class InboxQuery:
    region: str = ""
    kind: str = ""
    overdue: bool = False
    order: str = "due_time"
    page: str = ""

    @classmethod
    def of(cls, request: Request) -> InboxQuery:
        params = request.query_params
        region, kind = params.get("region", ""), params.get("kind", "")
        order = params.get("order", "due_time")
        # A wrong value is the address's mistake: said, not silently dropped.
        if region and region not in kz.Region.keys()[1:]:
            raise ValueError(f"no region {region!r}")
        if kind and kind not in reviews_pb.TaskKind.keys()[1:]:
            raise ValueError(f"no task kind {kind!r}")
        if order not in ORDERS:
            raise ValueError(f"cannot order by {order!r}; by {' or '.join(ORDERS)}")
        return cls(region, kind, params.get("overdue") == "1", order, params.get("page", "")[:600])

    def request(self, page_size: int = _PAGE_SIZE, **fixed: object) -> reviews_api.ListTasksRequest:
        """The ListTasks request for one page of this query, with the page's fixed filters
        (state, assignee, role)."""
        return reviews_api.ListTasksRequest(
            region=self.region or None,
            kind=self.kind or None,
            overdue_only=self.overdue,
            order_by=self.order,
            page_size=page_size,
            page_token=self.page,
            **fixed,  # type: ignore[arg-type]
        )

    def link(self, page: str = "") -> str:
        """This query's address (on another page of it)."""
        chosen = replace(self, page=page)
        fields = {
            "region": chosen.region,
            "kind": chosen.kind,
            "overdue": "1" if chosen.overdue else "",
            "order": chosen.order,
            "page": chosen.page,
        }
        return urlencode({key: value for key, value in fields.items() if value})
