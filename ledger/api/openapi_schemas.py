"""Make the OpenAPI document say what the decoders do, so schemathesis can hold the API to it.

Litestar describes a msgspec ``Struct`` without ``additionalProperties``, which means "other fields are
welcome"; our request Structs are ``forbid_unknown_fields=True`` and refuse them (422). This schema plugin
is Litestar's own Struct plugin plus ``additionalProperties: false`` for such Structs.

Routes that answer in several formats (a statement as PDF or JSON) say so with ``opt=produces(...)``;
``LedgerOpenAPIPlugin`` lists every one of those media types for the success answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.enums import ParamType
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Parameter,
    Schema,
)

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Structs that forbid unknown fields say so in the document (``additionalProperties: false``)."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        config = getattr(field_definition.type_, "__struct_config__", None)
        if config is not None and config.forbid_unknown_fields:
            schema.additional_properties = False  # the registered component schema itself
        _item_bounds(field_definition.type_, schema)
        return schema


def _item_bounds(struct: type, schema: Schema) -> None:
    """Litestar drops the bounds of list items (``list[Annotated[int, Meta(ge=1)]]``); put them back."""
    info = msgspec.inspect.type_info(struct)
    if not isinstance(info, msgspec.inspect.StructType) or not schema.properties:
        return
    for field in info.fields:
        kinds = field.type.types if isinstance(field.type, msgspec.inspect.UnionType) else (field.type,)
        for kind in kinds:
            item = getattr(kind, "item_type", None) if isinstance(kind, msgspec.inspect.ListType) else None
            item = item.type if isinstance(item, msgspec.inspect.Metadata) else item
            if not isinstance(item, msgspec.inspect.IntType):
                continue
            items = getattr(schema.properties.get(field.encode_name), "items", None)
            if isinstance(items, Schema):
                items.minimum = item.ge if item.ge is not None else items.minimum
                items.maximum = item.le if item.le is not None else items.maximum


def _whole_bounds(node: Any) -> None:
    """Litestar writes integer bounds as floats (9.223372036854776e+18 is more than the largest id); make
    them exact integers, so a client (or a fuzzer) never reads a bound the server does not keep."""
    if isinstance(node, Schema):
        if node.type == OpenAPIType.INTEGER:
            for name in ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum"):
                value = getattr(node, name)
                if isinstance(value, float):
                    exact = int(value)
                    if name.endswith("maximum") and exact > MAX_BIGINT:
                        exact = MAX_BIGINT
                    setattr(node, name, exact)
        for child in (node.items, node.additional_properties, *(node.properties or {}).values(),
                      *(node.one_of or []), *(node.any_of or []), *(node.all_of or [])):
            _whole_bounds(child)


MAX_BIGINT = 2**63 - 1
PRODUCES_OPT = "produces"
_BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)


IDEMPOTENCY_KEY_PARAMETER = Parameter(
    name="Idempotency-Key",
    param_in=ParamType.HEADER,
    required=False,
    description="Makes a retry safe: the same key with the same request gets the first successful answer "
    "again (with `Idempotent-Replayed: true`) and nothing is done twice. A refused (4xx) or failed (5xx) "
    "request does not use up its key. Printable ASCII, at most 200 characters (a UUID is ideal).",
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=200, pattern=r"^[!-~]([ -~]*[!-~])?$"),
)


def produces(*media_types: str) -> dict[str, Any]:
    """``opt=produces("application/pdf", "application/json")``: a route answering in several formats.

    Litestar can document one media type per answer; the document then lists each of these for the
    success answer (JSON as an object, anything else as a file).
    """
    return {PRODUCES_OPT: media_types}


class LedgerOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, then the success answers of multi-format routes (``produces``)."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        openapi = super()._build_openapi()
        for component in (openapi.components.schemas or {}).values():
            _whole_bounds(component)
        for item in (openapi.paths or {}).values():
            for method in ("get", "post", "put", "patch", "delete"):
                operation = getattr(item, method, None)
                for parameter in (operation.parameters or []) if operation else []:
                    _whole_bounds(getattr(parameter, "schema", None))
        for item in (openapi.paths or {}).values():
            if item.post is not None:
                item.post.parameters = [*(item.post.parameters or []), IDEMPOTENCY_KEY_PARAMETER]
        for route in self.included_routes.values():
            path_item = (openapi.paths or {}).get(route.path_format or "/")
            if path_item is None:
                continue
            for handler in route.route_handlers:
                media_types = handler.opt.get(PRODUCES_OPT)
                if not media_types:
                    continue
                for method in handler.http_methods:
                    operation = getattr(path_item, method.lower(), None)
                    answer = (operation.responses or {}).get(str(handler.status_code)) if operation else None
                    if isinstance(answer, OpenAPIResponse):
                        answer.content = {
                            media_type: OpenAPIMediaType(
                                schema=Schema(type=OpenAPIType.OBJECT) if media_type.endswith("json") else _BINARY
                            )
                            for media_type in media_types
                        }
        return openapi


def use_ledger_openapi_plugin(app: Litestar) -> None:
    """Let ``LedgerOpenAPIPlugin`` build this app's document (Litestar creates the plugin itself)."""
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = LedgerOpenAPIPlugin
