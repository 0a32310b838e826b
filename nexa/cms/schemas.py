from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from nexa.core.schemas import Schema


def _url(value: str) -> str:
    value = value.strip()
    if not (value.startswith(("https://", "http://")) and len(value) > 10 and " " not in value):
        raise ValueError("must be an http(s) URL")
    return value


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Url = Annotated[str, Field(max_length=500), AfterValidator(_url)]
Title = Annotated[str, Field(max_length=200), AfterValidator(_text)]
Text = Annotated[str, Field(max_length=2000), AfterValidator(_text)]
Short = Annotated[str, Field(max_length=60), AfterValidator(_text)]
Order = Annotated[int, Field(ge=1, le=10_000)]


class NoNulls(Schema):
    """Updates: leave a field out to keep it; null is refused."""

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = [k for k, v in data.items() if v is None and k not in ("image_url",)]
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null")
        return data


class _New(Schema):
    is_active: bool = True


class _Changes(NoNulls):
    is_active: bool | None = None


class _Stored(Schema):
    """What every stored item has beside its own fields."""

    id: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class HeaderCreate(_New):
    title: Title
    description: Text
    button_text: Short
    image_url: Url


class HeaderUpdate(_Changes):
    title: Title | None = None
    description: Text | None = None
    button_text: Short | None = None
    image_url: Url | None = None


class HeaderResponse(_Stored):
    title: str
    description: str
    button_text: str
    image_url: str


class CarouselCreate(_New):
    title: Title
    details: Text
    price_text: Short
    category_id: str = Field(pattern=r"^\d{1,18}$", description="id of an existing category")
    image_url: Url
    cta_text: Short
    order: Order


class CarouselUpdate(_Changes):
    title: Title | None = None
    details: Text | None = None
    price_text: Short | None = None
    category_id: str | None = Field(default=None, pattern=r"^\d{1,18}$")
    image_url: Url | None = None
    cta_text: Short | None = None
    order: Order | None = None


class CarouselResponse(_Stored):
    title: str
    details: str
    price_text: str
    category_id: str
    image_url: str
    cta_text: str
    order: int


class FAQCreate(_New):
    question: Text
    answer: Text
    image_url: Url | None = None
    order: Order


class FAQUpdate(_Changes):
    question: Text | None = None
    answer: Text | None = None
    image_url: Url | None = None
    order: Order | None = None


class FAQResponse(_Stored):
    question: str
    answer: str
    image_url: str | None = None
    order: int


class CMSListResponse(Schema):
    headers: list[HeaderResponse]
    carousels: list[CarouselResponse]
    faqs: list[FAQResponse]


class CMSReorderRequest(Schema):
    item_id: str = Field(min_length=1, max_length=64)
    new_order: int = Field(ge=1, le=10_000)
    collection_type: str = Field(max_length=20, description="carousel or faq")
