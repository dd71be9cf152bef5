from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import zmq

from edge.bus.publisher import Publisher, Subscriber, context
from edge.bus.schema import FrameMsg, Msg, SchemaError, StatusMsg, StepMsg, SummaryMsg, encode
from edge.errors import UsageError
from tests.builders import messages

ANY_PORT = "tcp://127.0.0.1:*"


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    with Publisher(ANY_PORT) as pub:
        yield pub


def wait_for_status(pub: Publisher, sub: Subscriber, timeout: float = 5.0) -> StatusMsg:
    """Publish status until the subscriber has joined (ZeroMQ's slow joiner) and got one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pub.publish(messages.status())
        msg = sub.recv(0.05)
        if isinstance(msg, StatusMsg):
            return msg
    raise AssertionError(f"no status from {pub.endpoint} within {timeout} s")


def receive(sub: Subscriber, kind: type[Msg], timeout: float = 2.0) -> Msg:
    """The next message of one kind, skipping the others."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        msg = sub.recv(left)
        if isinstance(msg, kind):
            return msg
    raise AssertionError(f"no {kind.__name__} within {timeout} s")


def test_binds_a_random_port_and_reports_it(publisher: Publisher) -> None:
    assert publisher.endpoint.startswith("tcp://127.0.0.1:")
    assert int(publisher.endpoint.rsplit(":", 1)[1]) > 0


def test_subscriber_gets_status_step_and_summary_as_sent(publisher: Publisher) -> None:
    step, summary = messages.step(4), messages.summary()
    with Subscriber(publisher.endpoint) as sub:
        assert wait_for_status(publisher, sub) == messages.status()
        publisher.publish(step)
        publisher.publish(summary)
        assert receive(sub, StepMsg) == step
        assert receive(sub, SummaryMsg) == summary


def test_topic_filter_delivers_only_the_topics_asked_for(publisher: Publisher) -> None:
    with Subscriber(publisher.endpoint, (StepMsg,)) as sub:
        # ZeroMQ's slow joiner: a step again and again until this subscriber has joined (another
        # subscriber having joined says nothing of this one, on a loaded machine), then none.
        joined = messages.step(99)
        deadline = time.monotonic() + 5.0
        while True:
            publisher.publish(joined)
            if sub.recv(0.05) == joined:
                break
            assert time.monotonic() < deadline, "the filtered subscriber never joined"
        while sub.recv(0.2) is not None:
            pass
        for i in range(3):
            publisher.publish(messages.frame(i))
            publisher.publish(messages.step(i))
        got = [sub.recv(1.0) for _ in range(3)]
        assert got == [messages.step(i) for i in range(3)]
        assert sub.recv(0.2) is None


def test_a_late_subscriber_gets_status_within_a_second(publisher: Publisher) -> None:
    stop = threading.Event()
    status_sent = threading.Event()

    def station() -> None:
        """60 Hz frames and a 1 Hz status, as the station publishes them."""
        next_status = time.monotonic()
        i = 0
        while not stop.is_set():
            if time.monotonic() >= next_status:
                publisher.publish(messages.status(t=time.monotonic()))
                status_sent.set()
                next_status += 1.0
            publisher.publish(messages.frame(i))
            i += 1
            time.sleep(1 / 60)

    loop = threading.Thread(target=station)
    loop.start()
    try:
        assert status_sent.wait(2.0)
        time.sleep(0.05)  # join just after a periodic status: the next one is ~1 s away
        t0 = time.monotonic()
        with Subscriber(publisher.endpoint, (StatusMsg,)) as sub:
            msg = sub.recv(1.0)
            elapsed = time.monotonic() - t0
    finally:
        stop.set()
        loop.join()
    assert isinstance(msg, StatusMsg), "no status within 1 s of subscribing"
    assert elapsed < 1.0


def test_a_new_status_subscriber_is_sent_the_latest_status_at_once(publisher: Publisher) -> None:
    publisher.publish(messages.status(t=5.0))
    with Subscriber(publisher.endpoint, (StatusMsg,)) as sub:
        deadline = time.monotonic() + 3.0
        msg = None
        # Only frames from now on: the status can only come from the subscription being seen.
        while msg is None and time.monotonic() < deadline:
            publisher.publish(messages.frame(1))
            msg = sub.recv(0.02)
    assert msg == messages.status(t=5.0)


def test_a_stalled_subscriber_never_blocks_the_publisher(publisher: Publisher) -> None:
    n = 20_000
    stalled = context().socket(zmq.SUB)
    stalled.linger = 0
    stalled.rcvhwm = 10
    stalled.subscribe(b"")
    stalled.connect(publisher.endpoint)
    with Subscriber(publisher.endpoint, (StatusMsg,)) as probe:
        wait_for_status(publisher, probe)
        time.sleep(0.1)  # the stalled socket connected at the same time; let it finish
        frames = [messages.frame(i) for i in range(50)]
        done = threading.Event()

        def flood() -> None:
            for i in range(n):
                publisher.publish(frames[i % 50])
            done.set()

        sender = threading.Thread(target=flood, daemon=True)
        t0 = time.monotonic()
        sender.start()
        # Generous: this takes well under a second; a blocking send would never finish.
        assert done.wait(30.0), "publish blocked on a subscriber that does not read"
        elapsed = time.monotonic() - t0
        # The healthy subscriber still gets news after the flood.
        publisher.publish(messages.status(t=99.0))
        while (msg := receive(probe, StatusMsg)).t != 99.0:
            assert msg == messages.status()  # left over from joining
    received = 0
    while stalled.poll(100):
        stalled.recv_multipart()
        received += 1
    stalled.close(linger=0)
    assert received < n, "the stalled subscriber got everything: the test did not stall it"
    print(f"{n} messages to a stalled subscriber in {elapsed:.2f} s, it kept {received}")


def test_recv_times_out_with_none(publisher: Publisher) -> None:
    with Subscriber(publisher.endpoint) as sub:
        t0 = time.monotonic()
        assert sub.recv(0.1) is None
        assert time.monotonic() - t0 >= 0.09


def test_a_bad_message_raises_schema_error_and_the_next_one_arrives() -> None:
    rogue = context().socket(zmq.PUB)
    rogue.linger = 0
    rogue.bind(ANY_PORT)
    endpoint = rogue.getsockopt_string(zmq.LAST_ENDPOINT)
    try:
        with Subscriber(endpoint) as sub:
            good = encode(messages.step())
            deadline = time.monotonic() + 5.0
            while sub.recv(0.05) is None:  # slow joiner
                assert time.monotonic() < deadline
                rogue.send_multipart(good)
            rogue.send_multipart([b"hipdrive.step", b'{"type": "step"}'])
            rogue.send_multipart([b"hipdrive.step"])
            rogue.send_multipart(good)
            errors = 0
            while True:
                try:
                    msg = sub.recv(1.0)
                except SchemaError:
                    errors += 1
                    continue
                if msg is None or errors == 2:
                    break
            assert errors == 2
            assert msg == messages.step()
    finally:
        rogue.close(linger=0)


def test_publishing_from_several_threads_is_safe() -> None:
    """Every message of four threads arrives whole. The queue holds them all: with the station's
    100, a subscriber that falls behind on a loaded machine loses some by design, which says
    nothing about thread safety."""
    sent = 4 * 200
    with (
        Publisher(ANY_PORT, hwm=sent) as publisher,
        Subscriber(publisher.endpoint, (StatusMsg, FrameMsg)) as sub,
    ):
        wait_for_status(publisher, sub)
        while sub.recv(0.05) is not None:
            pass

        def send(offset: int) -> None:
            for i in range(200):
                publisher.publish(messages.frame(offset + i))

        threads = [threading.Thread(target=send, args=(k * 1000,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = set()
        while (msg := sub.recv(0.5)) is not None:
            assert isinstance(msg, FrameMsg)
            got.add(msg.frame)
    assert got == {k * 1000 + i for k in range(4) for i in range(200)}


def test_an_endpoint_in_use_is_a_usage_error(publisher: Publisher) -> None:
    with pytest.raises(UsageError, match="cannot bind") as exc_info:
        Publisher(publisher.endpoint)
    assert exc_info.value.exit_code == 2


@pytest.mark.parametrize("endpoint", ["udp://127.0.0.1:5556", "tcp://127.0.0.1", "5556"])
def test_a_malformed_endpoint_is_a_usage_error(endpoint: str) -> None:
    with pytest.raises(UsageError, match="must be tcp://HOST:PORT"):
        Publisher(endpoint)
    with pytest.raises(UsageError, match="must be tcp://HOST:PORT"):
        Subscriber(endpoint)
