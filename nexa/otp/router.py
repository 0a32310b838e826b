from __future__ import annotations

from fastapi import APIRouter

from nexa.core.db import SessionDep
from nexa.core.rate_limit import ClientIp
from nexa.otp import service
from nexa.otp.schemas import OtpRequest, OtpRequestAccepted

router = APIRouter(prefix="/customer/otp", tags=["Authentication"])


@router.post(
    "/request",
    status_code=202,
    response_model=OtpRequestAccepted,
    responses={429: {"description": "Too many code requests from this address"}},
)
async def request_one_time_code(
    data: OtpRequest, db: SessionDep, ip: ClientIp
) -> OtpRequestAccepted:
    """Send a 6-digit code by SMS for `register`, `login` or `reset_password` (valid 5
    minutes). Always 202, whether or not the number is registered; `throttled` and
    `resend_after_seconds` say when another code may be asked for."""
    return await service.request_code(db, data.phone_number, data.purpose, ip)
