"""Group-robot addresses (群机器人 webhooks): what is accepted, and how one is shown."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext as _

from safecampus.lib.errors import ActionError
from safecampus.notify.choices import Channel

# The only hosts a robot message may go to, and the path and key each robot address has:
# a robot address is also a place where SafeCampus sends data, so it must not point anywhere
# else (an internal server, another site).
ROBOT_HOSTS: dict[str, tuple[str, str, str]] = {
    Channel.WECOM: ("qyapi.weixin.qq.com", "/cgi-bin/webhook/send", "key"),
    Channel.DINGTALK: ("oapi.dingtalk.com", "/robot/send", "access_token"),
}
EXAMPLES: dict[str, str] = {
    Channel.WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    Channel.DINGTALK: "https://oapi.dingtalk.com/robot/send?access_token=…",
}


def _host_matches(host: str, allowed: str) -> bool:
    return host == allowed or host.endswith("." + allowed)


def check_robot_url(channel: str, url: str) -> str:
    """The cleaned address, or ActionError on the ``url`` field saying what is expected."""
    if channel not in ROBOT_HOSTS:
        raise ActionError(_("Choose WeCom or DingTalk."), "channel")
    host, path, key = ROBOT_HOSTS[channel]
    url = url.strip()
    expected = _("Paste the robot's webhook address; it looks like %(example)s") % {
        "example": EXAMPLES[channel]
    }
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ActionError(expected, "url") from None
    if parts.scheme != "https":
        raise ActionError(_("The robot address must start with https://."), "url")
    hostname = (parts.hostname or "").lower()
    if parts.username or parts.password or port not in (None, 443):
        raise ActionError(expected, "url")
    if not _host_matches(hostname, host):
        raise ActionError(
            _("A %(kind)s robot address must be on %(host)s.")
            % {"kind": Channel(channel).label, "host": host},
            "url",
        )
    values = parse_qs(parts.query).get(key, [])
    if parts.path != path or not values or not values[0].strip():
        raise ActionError(expected, "url")
    return url


def mask_url(url: str) -> str:
    """The address without its secret key, for pages, logs and the audit trail."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "…"
    shown = f"{parts.scheme}://{parts.hostname or ''}{parts.path}"
    if parts.query:
        name, _sep, value = parts.query.partition("=")
        tail = value[-4:] if len(value) > 12 else ""
        shown += f"?{name}=…{tail}"
    return shown
