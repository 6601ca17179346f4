"""Where a webhook may be sent: an http(s) URL; unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on, only to public
addresses (a name that resolves to a loopback, private, link-local or otherwise reserved address is refused, so an
endpoint cannot reach the servers behind the firewall). Checked when an endpoint is saved and again before each
delivery (a name may resolve elsewhere later)."""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

URL_MAX = 2000


class AddressError(ValueError):
    """The message is fit to show the owner."""


def check_url(url: str) -> str:
    """The URL, stripped, or AddressError."""
    url = (url or "").strip()
    if not url or len(url) > URL_MAX:
        raise AddressError(_("Give the endpoint's URL (at most %(max)s characters).", max=URL_MAX))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressError(_("That is not a valid URL.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressError(_("The URL must start with http:// or https:// and name a host."))
    if parts.username or parts.password:
        raise AddressError(_("The URL must not carry a user name or password."))
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]:
        check_public(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    return url


def check_public(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise AddressError(_("The host %(host)s cannot be found.", host=host)) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise AddressError(_("The host %(host)s resolves to a private, loopback or link-local address "
                                 "(%(address)s): webhooks go to public addresses only.", host=host, address=address))
