"""The gateway's token buckets as a flood from one address meets them: a burst, then a steady
rate, each address on its own."""

from __future__ import annotations

from ecopermit.services.gateway.rate_limits import TokenBuckets, client_address


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_admitted_then_the_rate_and_the_wait_is_said() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_second=2, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == 0.5  # one more call in half a second
    clock.now = 0.5
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0
    # Another address has its own bucket; a long quiet spell refills to the burst, no more.
    assert buckets.take("b") == 0
    clock.now = 100.0
    assert [buckets.take("a") for _ in range(4)][-1] > 0


def test_an_ipv6_subscriber_counts_as_one_whatever_address_of_its_64_it_uses() -> None:
    one = client_address({"client": ("2001:db8:1:2::1", 443)})
    assert one == client_address({"client": ("2001:db8:1:2:ffff::9", 443)})
    assert one != client_address({"client": ("2001:db8:1:3::1", 443)})
    assert client_address({"client": ("203.0.113.7", 443)}) == "203.0.113.7"
