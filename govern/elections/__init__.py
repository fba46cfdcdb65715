"""Committee elections (选举业主委员会, #14): election motions, nominations, the committee after the count."""

from govern.elections import scrutiny as _scrutiny  # noqa: F401  (candidates are not scrutineers)
