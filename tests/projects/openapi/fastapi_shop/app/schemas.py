from datetime import datetime
from typing import Literal, Optional

from pydantic import BaseModel, EmailStr, Field


class Address(BaseModel):
    street: str
    city: str
    postcode: Optional[str] = None


class UserBase(BaseModel):
    email: EmailStr
    name: str = Field(..., max_length=100)
    tags: list[str] = []
    address: Address | None = None


class UserCreate(UserBase):
    password: str = Field(min_length=8)


class UserUpdate(BaseModel):
    name: Optional[str] = None
    tags: Optional[list[str]] = None
    status: Optional[Literal["active", "disabled"]] = None


class UserOut(UserBase):
    id: int
    status: Literal["active", "disabled"]
    created_at: datetime
